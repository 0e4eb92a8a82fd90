"""Batches translated on a pool of Ray actors, each holding one engine (the batch
inference pattern of Ray Data: a pool of actors, each with a model, fed batches).

The driver (the `align translate` process) reads, segments, places terms and
writes; the actors only run `Engine.translate_batch`, a plain function of the
engine's settings and the batch, so the English is the one a single process
writes with the same engine and settings. Batches are handed out several at a
time (`in_flight` per actor) and given back in order.

Faults: actors are made with `max_restarts` and their calls with
`max_task_retries`, so Ray restarts a killed actor (a preempted node: elsewhere)
and runs its batch again. An actor lost for good has its batches sent to the
others; when none is left the run stops (`RunnerStopped`) and the pipeline names
the articles not written. `close()` (Ctrl-C, an error) cancels the batches in
flight and removes the actors; the outputs written so far are whole (each file is
written to a temporary name and renamed).

Addresses: "auto" (a running cluster, or RAY_ADDRESS), "local" (a one-machine
cluster started and stopped by this run, bound to 127.0.0.1), "HOST:PORT" or
"ray://HOST:PORT" (Ray Client). Usage statistics are off unless the environment
says otherwise.

Authentication: Ray 2.x turns token authentication on for a cluster that
`ray.init` starts and, with no token set, writes one to ~/.ray/auth_token, which
every later `ray start` on the machine then requires of the clients that join it.
A "local" cluster gets a token of its own instead, kept in this process's
environment (its raylet and workers inherit it) and gone with it: nothing is written
to the user's home. A cluster that refuses this process's token (or its lack of one)
is said in one line naming the fix, at once.
"""
from __future__ import annotations

import os
import secrets
import signal
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..engines.base import GenerationSettings, Hypothesis
from ...errors import UsageError
from .base import BatchRunner, Result, RunnerStopped, split_on_failure

ACTOR_RESTARTS = 3      # a killed actor is started again this many times...
TASK_RETRIES = 3        # ...and the batch it held is sent to it again
IN_FLIGHT_PER_ACTOR = 2  # batches queued at each actor: one running, one waiting
POLL_SECONDS = 0.5       # how often the driver, waiting for a batch, looks for a Ctrl-C


@dataclass(frozen=True)
class EngineSpec:
    """What an actor needs to load the driver's engine (align.mt.engines.load_engine)."""

    engine: str
    model: str
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    revision: str | None = None
    compute_type: str = "int8"

    def load(self, threads: int | None = None):
        from ..engines import load_engine

        return load_engine(self.engine, self.model, self.settings, revision=self.revision,
                           compute_type=self.compute_type, threads=threads)


def ray_module():
    """Ray, imported with usage statistics off (a run sends nothing anywhere by itself)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install -e '.[ray]' in align's clone "
                         "(or pip install 'ray>=2.40')") from None
    return ray


def connect(address: str, num_cpus: int | None = None) -> bool:
    """Join the cluster at `address` ("auto", "local", "HOST:PORT", "ray://HOST:PORT");
    True when this call started Ray (and `close` should stop it)."""
    ray = ray_module()
    if ray.is_initialized():
        return False
    # Ray 2.60 replaces 127.0.0.1 by the machine's network address (for a local cluster
    # and for a HOST:PORT of 127.0.0.1) unless this is set for it and its workers.
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address not in ("auto", "local"):
        _reachable(address)   # ray.init would retry an unreachable address for minutes
        if not address.startswith("ray://"):
            _check_token(address)  # ... and a refused token for 20 s
    try:
        if address == "local":   # one machine, loopback only
            with _private_token():
                ray.init(address="local", num_cpus=num_cpus, _node_ip_address="127.0.0.1", **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.AuthenticationError) as exc:
        refused = _authentication_error(exc)
        if refused is not None:
            raise UsageError(token_refused(address, refused)) from None
        reason = " ".join(str(exc).split())[:300]
        raise UsageError(f"--ray {address}: cannot join the Ray cluster ({reason})") from None
    return True


AUTH_VARIABLES = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


@contextmanager
def _private_token():
    """A token for the cluster this process starts, in its environment only (the
    cluster's processes inherit it), never in ~/.ray/auth_token; a token or mode the
    user set is used as it is."""
    if any(os.environ.get(name) for name in AUTH_VARIABLES):
        yield
        return
    # RAY_AUTH_MODE is left to ray.init: it turns token mode on for a new cluster (the
    # environment and its own configuration) and finds the token here.
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    try:
        yield
    except BaseException:
        for name in AUTH_VARIABLES:
            os.environ.pop(name, None)
        raise


def token_refused(address: str, reason: str) -> str:
    return (f"--ray {address}: the Ray cluster refused this connection's authentication token ({reason}); "
            f"give it the cluster's token: RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=FILE (the auth_token file "
            f"of the head node, e.g. its ~/.ray/auth_token), or start the cluster with RAY_AUTH_MODE=disabled")


def _authentication_error(exc: BaseException | None) -> str | None:
    """The reason of the AuthenticationError in `exc`'s chain (ray.init wraps it), or None."""
    ray = ray_module()
    while exc is not None:
        if isinstance(exc, ray.exceptions.AuthenticationError):
            return _first_sentence(exc)
        exc = exc.__cause__ or exc.__context__
    return None


def _check_token(address: str) -> None:
    """Ask the cluster's GCS once whether it accepts this process's token: a refusal is
    a one-line UsageError at once (ray.init retries it for 20 s, then says only that it
    failed). Any other outcome is left to ray.init."""
    ray = ray_module()
    try:
        from ray._raylet import GcsClient   # Ray's own client; internal, hence the fall-backs
    except ImportError:
        return
    try:
        with _stderr_silenced():             # Ray's C++ client logs each refusal there
            GcsClient(address=address, cluster_id=None)
    except ray.exceptions.AuthenticationError as exc:
        raise UsageError(token_refused(address, _first_sentence(exc))) from None
    except Exception:  # noqa: BLE001 - anything else: ray.init says it
        return


def _first_sentence(exc: BaseException) -> str:
    """Ray's AuthenticationError without the paragraph of help it appends."""
    return " ".join(str(getattr(exc, "message", None) or exc).split()).rstrip(".")[:200]


@contextmanager
def _stderr_silenced():
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _reachable(address: str, timeout: float = 10.0) -> None:
    """A one-line error at once when nothing answers at HOST:PORT (or ray://HOST:PORT)."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--ray {address}: give auto, local, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"--ray {address}: no Ray cluster answers there ({reason}); start one with "
                         f"ray start --head, or use --ray local") from None


class _Translator:
    """An actor's body: one engine, loaded once, translating batches."""

    def __init__(self, spec: EngineSpec, threads: int | None) -> None:
        if threads and spec.engine == "transformers":
            import torch
            torch.set_num_threads(threads)
        self.engine = spec.load(threads)

    def translate_batch(self, sources: list[str]) -> list[Hypothesis]:
        return self.engine.translate_batch(sources)

    def where(self) -> dict[str, Any]:
        import socket

        return {"pid": os.getpid(), "host": socket.gethostname()}


class RayRunner(BatchRunner):
    """A pool of `actors` Ray actors, each holding the engine of `spec`."""

    def __init__(self, spec: EngineSpec, address: str = "auto", actors: int | None = None,
                 cpus_per_actor: float = 1, gpus_per_actor: float = 0) -> None:
        self.ray = ray_module()
        self.address = address
        self.actors: list[Any] = []
        self._inflight: dict[Any, Any] = {}   # object ref → the actor running it
        self.started = connect(address)
        self._watch_ctrl_c()
        if actors is None:  # as many as the cluster's CPUs (or GPUs) hold
            resources = self.ray.cluster_resources()
            have, each = (resources.get("GPU", 0), gpus_per_actor) if gpus_per_actor else \
                (resources.get("CPU", 0), cpus_per_actor)
            actors = max(1, int(have // each))
        self._check_room(actors, cpus_per_actor, gpus_per_actor)
        self.spec = spec
        self.cpus_per_actor, self.gpus_per_actor = cpus_per_actor, gpus_per_actor
        self.batches = 0
        self.retried = 0   # batches sent to another actor after theirs was lost
        remote = self.ray.remote(
            num_cpus=cpus_per_actor, num_gpus=gpus_per_actor,
            max_restarts=ACTOR_RESTARTS, max_task_retries=TASK_RETRIES)(_Translator)
        # CPU engines get as many threads as the actor has CPUs (Ray sets no affinity).
        threads = max(1, int(cpus_per_actor)) if not gpus_per_actor else None
        self.actors = [remote.remote(spec, threads) for _ in range(actors)]
        try:
            self.places = self.ray.get([actor.where.remote() for actor in self.actors])
        except self.ray.exceptions.RayError as exc:
            self.close()
            raise UsageError(f"--ray: the actors could not load the model ({_reason(exc)})") from None

    # ---------------------------------------------------------------- Ctrl-C
    # Ray's waits run C++ loops that turn the KeyboardInterrupt of a SIGINT into a
    # status, which some of its calls drop: a Ctrl-C could go unseen (the run went on
    # to its end, or waited for good on actors that were not coming back; seen on a
    # loaded machine). The driver's own handler keeps a mark, and its waits are short
    # and look at it.
    def _watch_ctrl_c(self) -> None:
        self._interrupted = False
        self._previous_sigint = None
        if threading.current_thread() is threading.main_thread():
            self._previous_sigint = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._on_ctrl_c)

    def _on_ctrl_c(self, signum, frame) -> None:
        self._interrupted = True
        raise KeyboardInterrupt

    def _check_ctrl_c(self) -> None:
        if self._interrupted:
            raise KeyboardInterrupt

    def _get(self, ref) -> Any:
        """`ray.get(ref)`, in short waits that a Ctrl-C ends."""
        while True:
            self._check_ctrl_c()
            try:
                return self.ray.get(ref, timeout=POLL_SECONDS)
            except self.ray.exceptions.GetTimeoutError:
                continue

    def _check_room(self, actors: int, cpus: float, gpus: float) -> None:
        """Actors the cluster cannot hold would wait for resources forever: say so now."""
        resources = self.ray.cluster_resources()
        for name, each in (("CPU", cpus), ("GPU", gpus)):
            if each and actors * each > resources.get(name, 0) + 1e-9:
                have = resources.get(name, 0)
                self.close()
                raise UsageError(f"--ray-actors {actors} × {each:g} {name}s per actor: the cluster has "
                                 f"{have:g} {name}s; ask for fewer actors or fewer {name}s each")

    # ---------------------------------------------------------------- running
    def map(self, batches: Iterable[list[str]]) -> Iterator[Result]:
        """Each batch's translations, in order; up to IN_FLIGHT_PER_ACTOR batches
        queued at each actor, handed out in turn."""
        pending: deque[tuple[list[str], Any]] = deque()
        stream = iter(batches)
        turn = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < IN_FLIGHT_PER_ACTOR * len(self.actors):
                sources = next(stream, None)
                if sources is None:
                    exhausted = True
                    break
                pending.append((sources, self._submit(sources, turn)))
                turn += 1
            if not pending:
                return
            sources, ref = pending.popleft()
            yield self._result(sources, ref)

    def _submit(self, sources: list[str], turn: int):
        if not self.actors:
            raise RunnerStopped("every Ray actor was lost")
        actor = self.actors[turn % len(self.actors)]
        ref = actor.translate_batch.remote(sources)
        self._inflight[ref] = actor
        self._check_ctrl_c()
        self.batches += 1
        return ref

    def _result(self, sources: list[str], ref) -> Result:
        """The batch's translations; the engine failing on it: each sentence alone
        (split_on_failure, whose first attempt is the batch already in flight)."""
        first = [ref]

        def translate(batch: list[str]) -> list[Hypothesis]:
            return self._translate(batch, first.pop() if first else self._submit(batch, self.batches))

        return split_on_failure(translate, sources)

    def _translate(self, sources: list[str], ref) -> list[Hypothesis]:
        """What `ref` (the batch `sources`, sent to an actor) gives back; an actor lost
        for good is dropped and the batch sent to another. The engine's own error is
        raised as it is."""
        ray = self.ray
        while True:
            actor = self._inflight.pop(ref, None)
            try:
                return list(self._get(ref))
            except ray.exceptions.RayActorError as exc:
                # Restarts spent (the actor is gone), or it is restarting right now:
                # the batch goes to another actor; only a dead one leaves the pool.
                if not isinstance(exc, ray.exceptions.ActorUnavailableError) and actor in self.actors:
                    self.actors.remove(actor)
                if not self.actors:
                    raise RunnerStopped(f"every Ray actor was lost ({_reason(exc)})") from None
                self.retried += 1
                ref = self._submit(sources, self.retried)
            except ray.exceptions.RayTaskError as exc:  # the engine failed on this batch
                cause = getattr(exc, "cause", None)
                raise cause if isinstance(cause, Exception) else RuntimeError(_reason(exc)) from None

    # --------------------------------------------------------------- the rest
    def describe(self) -> dict[str, Any]:
        resources = self.ray.cluster_resources()
        nodes = [node for node in self.ray.nodes() if node.get("Alive")]
        return {
            "ray": self.ray.__version__, "address": self.address, "actors": len(self.places),
            "cpus_per_actor": self.cpus_per_actor, "gpus_per_actor": self.gpus_per_actor,
            "cluster": {"nodes": len(nodes), "cpus": resources.get("CPU", 0), "gpus": resources.get("GPU", 0)},
            "actor_hosts": sorted({place["host"] for place in self.places}),
        }

    def close(self) -> None:
        ray = self.ray
        for ref in list(self._inflight):
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already done, or its actor gone
                pass
        self._inflight.clear()
        for actor in self.actors:
            try:
                ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.actors = []
        if self.started and ray.is_initialized():
            ray.shutdown()
        if getattr(self, "_previous_sigint", None) is not None:
            signal.signal(signal.SIGINT, self._previous_sigint)
            self._previous_sigint = None


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


__all__ = ["EngineSpec", "RayRunner", "connect"]
