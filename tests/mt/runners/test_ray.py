"""`align translate --ray`: a real local Ray cluster (two CPUs, bound to 127.0.0.1,
usage statistics off: no traffic leaves the machine), the small trained model, and
the English compared byte for byte with a single-process run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"   # keeps the node on 127.0.0.1 (docs/scaling.md)
import ray  # noqa: E402

from align.mt.engines import load_engine  # noqa: E402
from align.mt.engines.base import GenerationSettings  # noqa: E402
from align.errors import UsageError  # noqa: E402
from align.output.memory import TranslationMemory, default_path  # noqa: E402
from align.pipeline.run import translate_paths  # noqa: E402
from align.mt.runners.base import RunnerStopped  # noqa: E402
from align.mt.runners.ray import AUTH_VARIABLES, EngineSpec, RayRunner, connect  # noqa: E402
from conftest import ROOT, SMALL_MODEL  # noqa: E402

# Small batches (512 source tokens): a corpus of a few dozen sentences makes many batches.
SETTINGS = GenerationSettings(device="cpu", batch_tokens=512)
NEWS = [line for line in (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
        if 40 < len(line) < 160][:60]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray head in this process, as --ray local starts it: two CPUs, loopback
    only, a token of its own (in the environment: nothing written to ~/.ray)."""
    assert connect("local", num_cpus=2)
    context = ray.get_runtime_context()
    assert context.gcs_address.startswith("127.0.0.1:")
    yield context
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """20 articles of three sentences (newstest2013, data/), one in a sub-folder."""
    folder = tmp_path_factory.mktemp("fr")
    (folder / "2013").mkdir()
    for i in range(0, len(NEWS), 3):
        name = f"2013/n{i:03d}.txt" if i == 0 else f"n{i:03d}.txt"
        (folder / name).write_text("\n".join(NEWS[i:i + 3]) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return load_engine("ctranslate2", str(SMALL_MODEL), SETTINGS, cache_dir=tmp_path_factory.mktemp("ct2"))


@pytest.fixture(scope="module")
def single(corpus, engine, tmp_path_factory) -> Path:
    """The single-process run the Ray runs must equal."""
    out = tmp_path_factory.mktemp("single")
    report = translate_paths([corpus], engine, out)
    assert report.exit_code == 0 and report.articles == 20
    return out


def spec() -> EngineSpec:
    return EngineSpec("ctranslate2", str(SMALL_MODEL), SETTINGS)


def english_files(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes()
            for path in sorted(out.rglob("*")) if path.suffix == ".tsv" or path.name.endswith(".en.txt")}


def test_two_actors_write_the_same_english_as_one_process(cluster, corpus, engine, single, tmp_path):
    runner = RayRunner(spec(), "auto", actors=2, cpus_per_actor=1)
    try:
        report = translate_paths([corpus], engine, tmp_path / "out", runner=runner)
    finally:
        runner.close()
    assert report.exit_code == 0 and report.articles == 20
    assert report.batches == runner.batches > 2
    assert english_files(tmp_path / "out") == english_files(single) != {}
    import json
    recorded = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["settings"]["ray"]
    assert recorded["actors"] == 2 and recorded["cluster"]["cpus"] == 2 and recorded["ray"] == ray.__version__
    assert not ray.util.list_named_actors()   # (ours are anonymous) and closing removed them:
    assert runner.actors == []


class KillOnce:
    """A progress bar that, at its first update (the first batch is back), kills an
    actor: its batches in flight are lost with it."""

    def __init__(self, runner: RayRunner, how: str) -> None:
        self.runner, self.how, self.done = runner, how, False
        self.total = None

    def update(self, n: int) -> None:
        if not self.done and n:
            self.done = True
            assert self.runner._inflight, "nothing in flight: the kill would test nothing"
            actor = self.runner.actors[0]
            if self.how == "sigkill":      # a preempted node: the process dies, Ray starts it again
                self.killed_pid = ray.get(actor.where.remote())["pid"]
                os.kill(self.killed_pid, signal.SIGKILL)
            else:                          # gone for good: its batches go to the other actor
                ray.kill(actor, no_restart=True)

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("how", ["sigkill", "no-restart"])
def test_an_actor_killed_mid_run_costs_no_article(cluster, corpus, engine, single, tmp_path, how):
    runner = RayRunner(spec(), "auto", actors=2, cpus_per_actor=1)
    bars: list[KillOnce] = []

    def bar(total):
        bars.append(KillOnce(runner, how))
        return bars[-1]

    try:
        report = translate_paths([corpus], engine, tmp_path / "out", runner=runner, progress_factory=bar)
        if how == "sigkill":   # the same actor, started again in a new process
            assert len(runner.actors) == 2
            assert ray.get(runner.actors[0].where.remote())["pid"] != bars[0].killed_pid
        else:                  # one actor left, and the lost batches were sent to it
            assert len(runner.actors) == 1 and runner.retried >= 1
    finally:
        runner.close()
    assert bars and bars[0].done
    assert report.exit_code == 0 and report.articles == 20
    assert english_files(tmp_path / "out") == english_files(single)


def test_every_actor_lost_stops_the_run_naming_the_articles_not_written(cluster, corpus, engine, tmp_path):
    runner = RayRunner(spec(), "auto", actors=1, cpus_per_actor=1)

    class KillAll(KillOnce):
        def update(self, n: int) -> None:
            if not self.done and n:
                self.done = True
                ray.kill(self.runner.actors[0], no_restart=True)

    try:
        with pytest.raises(RunnerStopped) as stopped:
            translate_paths([corpus], engine, tmp_path / "out", runner=runner,
                            progress_factory=lambda total: KillAll(runner, ""))
    finally:
        runner.close()
    message = str(stopped.value)
    assert message.startswith("every Ray actor was lost (") and "; the run stopped with " in message
    written = sorted(p.name for p in (tmp_path / "out").rglob("*.tsv"))
    missing = int(message.split("; the run stopped with ")[1].split(" of 20")[0])
    assert 0 < missing == 20 - len(written)
    assert "run it again to translate them" in message
    # what was written is whole, and no temporary file is left
    assert not [p for p in (tmp_path / "out").rglob("*") if ".tmp" in p.name]
    for path in (tmp_path / "out").rglob("*.tsv"):
        assert path.read_text(encoding="utf-8").count("\n") == 4   # header and three sentences


def test_the_memory_serves_a_second_ray_run(cluster, corpus, engine, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for run in range(2):
        runner = RayRunner(spec(), "auto", actors=1, cpus_per_actor=1)
        with TranslationMemory(default_path(out)) as memory:
            try:
                report = translate_paths([corpus], engine, out, runner=runner, memory=memory)
            finally:
                runner.close()
        assert report.articles == 20
    assert report.from_memory == report.sentences and runner.batches == 0


def test_closing_cancels_the_work_in_flight(cluster, corpus, engine):
    runner = RayRunner(spec(), "auto", actors=2, cpus_per_actor=1)
    batches = runner.map([[line] for line in NEWS[:12]])
    next(batches)                     # the first back, others in flight
    actors = list(runner.actors)
    assert runner._inflight
    runner.close()                    # what Ctrl-C in align translate does
    assert runner.actors == [] and not runner._inflight
    for actor in actors:
        with pytest.raises(ray.exceptions.RayActorError):
            ray.get(actor.where.remote(), timeout=60)


def test_more_actors_than_the_cluster_holds_is_a_usage_error(cluster):
    with pytest.raises(UsageError, match=r"--ray-actors 3 × 1 CPUs per actor: the cluster has 2 CPUs"):
        RayRunner(spec(), "auto", actors=3, cpus_per_actor=1)


def run_env(**extra: str) -> dict[str, str]:
    """The environment of an `align` process: usage statistics off, and no token of
    this module's cluster (the process is a user's fresh shell)."""
    env = {name: value for name, value in os.environ.items() if name not in AUTH_VARIABLES}
    return {**env, "RAY_USAGE_STATS_ENABLED": "0", **extra}


def _align(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "align.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=run_env(**env), cwd=ROOT)


def test_the_cli_on_a_local_cluster_it_starts_and_stops(corpus, single, tmp_path):
    """`--ray local` in its own process: a one-machine cluster on 127.0.0.1, started
    for the run and stopped after it; the same English as one process. Its token is
    its own: nothing is written to the user's home (Ray's default: ~/.ray/auth_token,
    which a cluster started later by hand would then require)."""
    out, home = tmp_path / "out", tmp_path / "home"
    home.mkdir()
    result = _align("translate", str(corpus), "-o", str(out), "--model", str(SMALL_MODEL), "--device", "cpu",
                    "--batch-tokens", "512", "--no-glossary", "-q", "--ray", "local", "--ray-actors", "2",
                    HOME=str(home), ALIGN_CACHE=str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    assert english_files(out) == english_files(single)
    import json
    recorded = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["settings"]["ray"]
    assert (recorded["address"], recorded["actors"], recorded["cluster"]["nodes"]) == ("local", 2, 1)
    assert list(home.rglob("*")) == []


HEAD = """import os, sys, ray
ray.init(address="local", num_cpus=1, include_dashboard=False, _node_ip_address="127.0.0.1")
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()   # until the test closes it
ray.shutdown()
"""


def test_a_cluster_that_refuses_the_token_is_said_in_one_line_naming_the_fix(tmp_path):
    """A cluster started with token authentication (its token in its head's ~/.ray/auth_token,
    or as here in its environment), joined with no token: one line at once, not Ray's
    20 s of retries."""
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    head = subprocess.Popen([sys.executable, "-c", HEAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
                            env=run_env(HOME=str(home), RAY_AUTH_MODE="token", RAY_AUTH_TOKEN="0123456789abcdef" * 2))
    try:
        address = head.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), address
        result = _align("translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--model",
                        str(SMALL_MODEL), "-q", "--ray", address, timeout=60, HOME=str(home))
    finally:
        head.stdin.close()
        head.wait(timeout=120)
    assert result.returncode == 2
    assert result.stderr == (
        f"align: error: --ray {address}: the Ray cluster refused this connection's authentication token (RPC "
        f"error: InvalidAuthToken: Authentication token is missing or incorrect); give it the cluster's token: "
        f"RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=FILE (the auth_token file of the head node, e.g. its "
        f"~/.ray/auth_token), or start the cluster with RAY_AUTH_MODE=disabled\n")
    assert not (tmp_path / "out" / "a.tsv").exists() and list(home.rglob("*")) == []


def test_the_cli_says_in_one_line_when_no_cluster_answers(tmp_path):
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")
    import socket
    with socket.socket() as unused:      # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = _align("translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--model",
                    str(SMALL_MODEL), "-q", "--ray", f"127.0.0.1:{port}", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"align: error: --ray 127.0.0.1:{port}: no Ray cluster answers there "
                                     f"(Connection refused); start one with ray start --head, or use --ray local")
    assert not (tmp_path / "out" / "a.tsv").exists()


def test_ctrl_c_stops_the_cluster_work_and_leaves_whole_files(tmp_path):
    """SIGINT to `align translate --ray local` while its actors work: exit 130 with one
    line, every file written is whole (no temporary left), and the local cluster is
    gone. No race: the actors' engine (gated_engine) stops once an article is written,
    until the run has ended; so the signal always comes mid-run, with batches in flight,
    and the run cannot finish before it acts on it."""
    import time

    folder = tmp_path / "fr"
    folder.mkdir()
    news = [line for line in (ROOT / "data" / "newstest2013.fr").read_text(encoding="utf-8").splitlines()
            if line.strip()][:400]
    for i in range(0, len(news), 2):
        (folder / f"a{i:04d}.txt").write_text("\n".join(news[i:i + 2]) + "\n", encoding="utf-8")
    out, gate, waiting = tmp_path / "out", tmp_path / "gate", tmp_path / "waiting"
    waiting.mkdir()
    env = run_env(PYTHONPATH=os.pathsep.join([str(ROOT), str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
                  GATED_OUTPUT=str(out), GATED_GATE=str(gate), GATED_WAITING=str(waiting))

    process = subprocess.Popen([sys.executable, "-c", "import gated_engine; gated_engine.main()", "translate",
                                str(folder), "-o", str(out), "--model", str(SMALL_MODEL), "--device", "cpu",
                                "--batch-tokens", "256", "--no-glossary", "-q", "--ray", "local", "--ray-actors", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        # Wait for the state, not for a time: an actor waits at the gate (so an article was written).
        while process.poll() is None and not any(waiting.iterdir()):
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1]
        # the run's own cluster: the processes it started (its raylet, GCS, workers...)
        cluster = [child for child in psutil.Process(process.pid).children(recursive=True)]
        assert any("raylet" in " ".join(child.cmdline()) for child in cluster)
        process.send_signal(signal.SIGINT)
        # The gate stays shut until the run has ended: opened at the signal, the actors
        # could finish the corpus before the driver acts on it (seen on a loaded machine).
        # Stopping does not wait for them: their batches are cancelled, the actors killed.
        _, stderr = process.communicate(timeout=120)
    finally:
        gate.touch()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == ("align: error: interrupted; finished files are kept, "
                                               "unfinished ones were not written")
    written = sorted(out.glob("*.tsv"))
    assert 1 <= len(written) < 200          # stopped before the end
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    for path in written:                     # each whole: its header and its two sentences
        assert path.read_text(encoding="utf-8").count("\n") == 3, path
    # the run's local cluster stopped with it (its processes may take a moment to exit)
    gone, alive = psutil.wait_procs(cluster, timeout=60)
    assert [child for child in alive if child.status() != psutil.STATUS_ZOMBIE] == []


def test_a_batch_the_engine_fails_on_is_translated_sentence_by_sentence(cluster):
    """A task that raises (as an engine failing on one bad sentence would) costs its
    batch one try per sentence on the actors, not a second try of the whole batch;
    a one-sentence batch that fails comes back as its error text."""
    @ray.remote
    def failing(sources):
        raise ValueError("the engine choked")

    runner = RayRunner(spec(), "auto", actors=1, cpus_per_actor=1)
    try:
        sources = NEWS[:2]
        before = runner.batches
        results = runner._result(sources, failing.remote(sources))
        assert runner.batches - before == 2          # each sentence alone, once
        alone = [batch[0].text for batch in runner.map([[source] for source in sources])]
        assert [result.text for result in results] == alone
        assert runner._result(sources[:1], failing.remote(sources[:1])) == ["ValueError: the engine choked"]
    finally:
        runner.close()
