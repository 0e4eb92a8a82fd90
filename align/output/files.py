"""How a file goes into place: whole or not at all (`atomic_write`, `atomic_writer`),
durable at a run's end (`sync_folder`), and, for a long run, put into place by a
child process while the run goes on (`BackgroundFiles`)."""
from __future__ import annotations

import errno
import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, NamedTuple

from ..errors import OutputError


def atomic_write(path: str | Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
    """Write to a temporary file beside `path`, then rename it into place, so an
    interrupted run never leaves a half-written file behind. Missing parent
    folders are created; file and folders get the modes the umask gives any new
    file (mkstemp's own 0600 would make outputs unreadable to anyone else).
    `durable`: on disk before the rename (fsync); else see `sync_folder`.
    (Five system calls a file, written with os.write: a run writes three an article.)"""
    path = path if isinstance(path, Path) else Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    with _into_place(path, durable) as handle:
        written = 0
        while written < len(payload):  # (a write may take only part of it)
            written += os.write(handle, payload[written:] if written else payload)
    return path


@contextmanager
def _into_place(path: Path, durable: bool) -> Iterator[int]:
    """A new temporary beside `path`, open for the block to write; renamed onto `path`
    when the block ends normally (fsynced first if `durable`), else removed, an
    OSError raised as an OutputError naming `path` (a full disk, a folder made
    read-only mid-run: one line)."""
    handle, temporary = _open_temporary(path)
    try:
        try:
            yield handle
            if durable:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(path, exc.strerror or str(exc), exc.errno) from None
        raise


def _open_temporary(path: Path) -> tuple[int, str]:
    """`_temporary_beside`, the missing folders made first (tried only when the open
    says they are missing: a run's files mostly go to folders that exist)."""
    try:
        try:
            return _temporary_beside(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _temporary_beside(path)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc), exc.errno) from None


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new ``.NAME.XXXXXXXX.part`` file beside `path`, open for writing, as
    `tempfile.mkstemp` makes one but created with mode 0666 less the umask (the mode
    any new file gets: mkstemp's 0600 would make outputs unreadable to anyone else),
    which saves a run two system calls a file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temporary = os.path.join(path.parent, f".{path.name}.{os.urandom(5).hex()}.part")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


@contextmanager
def atomic_writer(path: str | Path, encoding: str | None = None, durable: bool = True) -> Iterator[IO]:
    """`atomic_write` for content written piece by piece (a manifest of 100,000
    articles is never one string): yields a binary stream, or a text stream with
    `encoding`; the file appears under its name only if the block ends normally."""
    path = Path(path)
    with _into_place(path, durable) as handle, os.fdopen(handle, "wb", closefd=False) as stream:
        if encoding is None:
            yield stream
        else:
            text = io.TextIOWrapper(stream, encoding=encoding, newline="")
            yield text
            text.flush()
            text.detach()
        stream.flush()


def sync_folder(folder: str | Path) -> None:
    """Put on disk every file written to `folder`'s file system so far: a run writes
    its articles' outputs without an fsync each (half a millisecond a file here, more
    than the rest of a short article's work) and makes them durable at once before
    its manifest, as SQLite's WAL mode with synchronous=NORMAL makes the memory
    durable at checkpoints. Either way a killed process leaves whole files (the
    rename is atomic); only a power cut before this can lose the run's newest ones,
    which the next run writes again. Linux's syncfs(2), else sync(2)."""
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):  # not Linux
        os.sync()
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(Path(folder), exc.strerror or str(exc), exc.errno) from None
    try:
        if syncfs(descriptor) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:  # a write-back error (a full disk, EIO): the outputs are not safe
                raise OutputError(Path(folder), os.strerror(code), code)
            os.sync()
    finally:
        os.close(descriptor)


class Outcome(NamedTuple):
    """What the child of BackgroundFiles says of one article it was handed, when it has
    something to say: the note its handler returned (`note`), or the error for which
    none of the article's files was placed (`error`; `cannot_write`: an OSError, such
    as its kept source unreadable, else a bug), while the others go on."""

    article: str
    note: Any = None
    error: str | None = None
    cannot_write: bool = False


class BackgroundFiles:
    """A long run's articles written by a child process while the run goes on.

    Creating a file costs the kernel 0.05–0.6 ms on a virtual disk, and a run writes
    three an article; rendering them (the review page above all) costs about as much
    again: together more than the rest of a short article's work, which the run's
    process does meanwhile. The child is given a `handler` (pickled: its class is
    imported there) that writes an article: `prepare()` once, `write(document, run,
    place)` an article (files go through `place`, atomic_write's arguments, and what
    it returns comes back as the article's Outcome note when not None), `commit()` at
    each settle, `close()` at the end. `write` hands the child an article, `place` a
    file already rendered; both return at once.

    `started` says, without waiting, whether the child has prepared (a run writes its
    first articles itself meanwhile); `backlog`, how much of what it was handed it has
    not finished. `settle` waits until it is done with everything handed over so
    far, and returns the articles' Outcomes; it raises the OutputError of the first
    file that could not be placed (the child places nothing after it: a run stops
    there, as at a failed write of its own). `close` settles and ends the child,
    `stop` ends it at once. The child also stops when the run's process is gone: it
    places nothing for a dead run, whose folder a next run may have locked by then.
    """

    FLUSH_BYTES = 1 << 16  # files handed over in messages of this size (or this many), not one by one
    FLUSH_FILES = 256
    PIPE_BYTES = 1 << 20   # Linux's largest pipe for an unprivileged process, by default

    def __init__(self, folder: str | Path, handler: Any = None) -> None:
        import subprocess
        import sys

        self.folder = Path(folder)
        # The child imports this very copy of align, then what the run imports, and
        # nothing of the current folder (`-c` puts it first on the path: a user's own
        # align/ or pathlib.py there). It skips `site` (-S: half its start), whose
        # folders the run's path has. (A package that only an import hook of `site`'s
        # finds is missing there: the child then does not start, and the run writes
        # its articles itself.)
        root = str(Path(__file__).resolve().parents[2])
        self._process = subprocess.Popen(
            [sys.executable, "-S", "-c", "import sys; sys.path[:] = sys.argv[2:]; "
                                         "from align.output.files import _serve; _serve(int(sys.argv[1]))",
             str(os.getpid()), root, *[entry for entry in sys.path if entry]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        try:  # (Linux) room for a few hundred articles' files: the run rarely waits on the child
            import fcntl
            fcntl.fcntl(self._process.stdin, getattr(fcntl, "F_SETPIPE_SZ", 1031), self.PIPE_BYTES)
        except (ImportError, OSError):
            pass
        self._queue: list[tuple] = []
        self._queued = 0
        self._failure: OutputError | None = None
        self._outcomes: list[Outcome] = []
        self._run: Any = None  # the run header last sent to the child
        # What the child said so far (its byte stream, read as it comes, `_read`):
        self._said = bytearray()
        self._started = False  # it has prepared its handler
        self._handed = 0       # messages of work sent, and those it is done with
        self._done = 0
        self._unanswered = 0   # settles sent whose answer was not read (one interrupted by Ctrl-C)
        self._send(("handler", handler))

    def place(self, path: str | Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
        """`atomic_write`'s arguments; the file is in place once `settle` returns."""
        path = path if isinstance(path, Path) else Path(path)
        payload = data.encode(encoding) if isinstance(data, str) else data
        self._add(("file", str(path), payload, durable), len(payload))
        return path

    def write(self, document, run: Any = None, rendered: list[tuple[Path, str | bytes]] | None = None) -> None:
        """`document` (an align Document: its name says which article) written by the
        child's handler, with `run` (the run's header); `rendered`: its files, rendered
        here (see ArticleFiles.write)."""
        import pickle

        # Pickled now: the run goes on with the document as it likes. (A document that
        # cannot be, a DOCX article's with its XML elements, raises here: nothing sent.)
        blob = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
        if run is not self._run:
            self._add(("run", run), 0)
            self._run = run
        self._add(("article", document.name, blob, rendered),
                  len(blob) + sum(len(data) for _, data in rendered or ()))
        self._send_queue()  # at once: the child works while the run goes on, and is not behind at a settle

    def started(self, wait: bool = False) -> bool:
        """Whether the child has prepared its handler, without waiting unless `wait`
        (False for good if it could not)."""
        while not self._started and self._failure is None:
            try:
                self._read(wait=wait)
            except (OSError, ValueError):  # (no select on pipes here: the run writes its articles itself)
                return False
            if not wait:
                break
        return self._started and self._failure is None

    def backlog(self) -> int:
        """How many messages of work (an article each, or a batch of files) the child
        has not finished, without waiting: 0 once it is done with every one handed
        over so far (a settle then costs only its round trip), or has failed. (0 where
        a pipe cannot be polled: settle waits.)"""
        self._send_queue()
        if self._failure is None and self._done < self._handed:
            try:
                self._read(wait=False)
            except (OSError, ValueError):  # (no select on pipes here)
                return 0
        return 0 if self._failure is not None else self._handed - self._done

    def settle(self) -> list[Outcome]:
        """Every file placed and every article written so far is done with (the
        handler committed); the Outcomes of those articles that have one, each once.
        Else the first file that could not be placed, as an OutputError (raised again
        by every later call)."""
        if self._failure is None:
            self._send_queue()
            self._send(("settle",))
            self._unanswered += 1
            while self._failure is None and self._unanswered:
                self._read(wait=True)
        if self._failure is not None:
            raise self._failure
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    def close(self) -> list[Outcome]:
        """Settle, then let the child end (its input closed), or end it if it failed."""
        try:
            outcomes = self.settle()
            self._process.stdin.close()
            self._process.wait()
            return outcomes
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child now: a file it is writing stays a temporary, which the next
        run's lock removes (align.output.lock)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def _add(self, entry: tuple, size: int) -> None:
        self._queue.append(entry)
        self._queued += size
        if self._queued >= self.FLUSH_BYTES or len(self._queue) >= self.FLUSH_FILES:
            self._send_queue()

    def _send_queue(self) -> None:
        if self._queue:
            self._send(("work", self._queue))
            self._queue, self._queued = [], 0
            self._handed += 1

    def _send(self, message: tuple) -> None:
        import pickle

        if self._failure is not None:
            return
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (OSError, ValueError):  # the child is gone
            self._failure = self._lost()

    def _read(self, wait: bool) -> None:
        """What the child has said, read from its pipe as it comes (only what is there,
        unless `wait`): b"+" once it has prepared, b"." for each message of work it is
        done with, b"S" and a pickled answer (its length first) for each settle. (Read
        at each settle, a byte a message: the child never fills its pipe while the run
        fills the other.)"""
        import pickle
        import struct

        if self._failure is not None:
            return
        if not wait:
            import select

            if not select.select([self._process.stdout], [], [], 0)[0]:
                return
        try:
            chunk = os.read(self._process.stdout.fileno(), 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            self._failure = self._lost()
            return
        said = self._said
        said += chunk
        at = 0
        while at < len(said):
            kind = said[at]
            if kind == ord("."):
                self._done += 1
                at += 1
            elif kind == ord("+"):
                self._started = True
                at += 1
            elif kind == ord("S") and len(said) - at >= 5:
                size = struct.unpack_from(">I", said, at + 1)[0]
                if len(said) - at - 5 < size:
                    break
                failure, outcomes = pickle.loads(said[at + 5:at + 5 + size])
                at += 5 + size
                self._unanswered -= 1
                self._outcomes += [Outcome(*outcome) for outcome in outcomes]
                if failure is not None:
                    self._failure = OutputError(*failure)
                    break
            elif kind == ord("S"):
                break
            else:  # not what the child says
                self._failure = self._lost()
                break
        del said[:at]

    def _lost(self) -> OutputError:
        return OutputError(self.folder, f"the process placing the run's files ended "
                                        f"(exit status {self._process.poll()})")

    def __enter__(self) -> "BackgroundFiles":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _serve(parent: int) -> None:
    """The child of BackgroundFiles: files placed and articles written in the order
    they came until the first file that cannot be placed, none after it; an article
    its handler fails on otherwise is skipped (its files not placed) and reported;
    each settle answered, once the handler has committed, with the failure (or None)
    and the articles' outcomes since the last. It says what it is done with as it
    goes (`BackgroundFiles._read`)."""
    import pickle
    import signal
    import struct
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the run, which ends this
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    try:
        _, handler = pickle.load(requests)  # (imports the handler's module)
        if handler is not None:
            handler.prepare()
    except Exception:  # (EOFError: the run is gone) the run writes its articles itself
        return
    answers.write(b"+")
    answers.flush()
    failure, outcomes, run = None, [], None
    placing = _Placing(parent)
    place = placing.place

    while True:
        try:
            message = pickle.load(requests)
        except EOFError:  # the run closed it (`close`), or is gone: then nothing more is written
            if handler is not None and failure is None and placing.wait() is None and os.getppid() == parent:
                handler.close()
            return
        if message[0] == "settle":
            failure = failure or placing.wait()
            if failure is None and handler is not None:
                try:
                    handler.commit()
                except OutputError as exc:
                    failure = (exc.filename, exc.strerror, exc.errno)
            answer = pickle.dumps((failure, outcomes), protocol=pickle.HIGHEST_PROTOCOL)
            answers.write(b"S" + struct.pack(">I", len(answer)) + answer)
            answers.flush()
            outcomes = []
            continue
        for entry in message[1]:
            if entry[0] == "run":
                run = entry[1]
                continue
            if failure is not None:
                break
            try:
                if entry[0] == "file":
                    place(*entry[1:])
                    continue
                _, name, blob, rendered = entry
                try:
                    note = handler.write(pickle.loads(blob), run, place, rendered)
                except OSError as exc:
                    if isinstance(exc, OutputError):
                        raise
                    outcomes.append((name, None, exc.strerror or str(exc), True))  # (the run goes on)
                    continue
                except Exception as exc:  # a bug must not cost the user the other articles
                    outcomes.append((name, None, f"{type(exc).__name__}: {exc}", False))
                    continue
                if note is not None:
                    outcomes.append((name, note))
                if placing.failure is not None:
                    raise OutputError(*placing.failure)
            except OutputError as exc:
                failure = (exc.filename, exc.strerror, exc.errno)
        answers.write(b".")  # (done with it, failed or not)
        answers.flush()


class _Placing:
    """The child's files put into place by a thread of their own, in order, while the
    child goes on with the next article: creating a file on a virtual disk mostly
    waits on the file system's journal (a third of the child's time), and the thread
    releases the interpreter meanwhile. `place` takes atomic_write's arguments and
    raises the first failure (the thread places nothing after it); `wait` returns
    once every file taken is placed, with that failure (filename, strerror, errno)
    or None. It ends the process when the run's is gone: a next run may hold the
    folder by then, and the store's uncommitted articles go with it."""

    def __init__(self, parent: int) -> None:
        import queue
        import threading

        self.parent = parent
        self.failure: tuple | None = None
        self.files: queue.Queue = queue.Queue(maxsize=64)  # (the child waits rather than hold a run's files)
        threading.Thread(target=self._run, daemon=True).start()

    def place(self, path: str | Path, data: str | bytes, encoding: str = "utf-8", durable: bool = True) -> Path:
        if self.failure is not None:
            raise OutputError(*self.failure)
        self.files.put((path, data.encode(encoding) if isinstance(data, str) else data, durable))
        return path if isinstance(path, Path) else Path(path)

    def wait(self) -> tuple | None:
        self.files.join()
        return self.failure

    def _run(self) -> None:
        while True:
            path, payload, durable = self.files.get()
            try:
                if self.failure is None:
                    if os.getppid() != self.parent:  # the run is gone; a next one may hold its folder
                        os._exit(0)
                    atomic_write(path, payload, durable=durable)
            except OutputError as exc:
                self.failure = (exc.filename, exc.strerror, exc.errno)
            finally:
                self.files.task_done()
