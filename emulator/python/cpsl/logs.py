"""The runtime's own lines on stderr (`say`), and the app's output sent through the `Log` RPC
for a process the emulator did not start (a debugger's launch): the emulator cannot read that
process's stdout/stderr itself.

Output still goes to the original streams; the copy is sent in batches from a background
thread, and dropped (never retried forever) if the emulator does not take it.
"""
import io
import sys
import threading

_FLUSH_SECONDS = 0.3
_MAX_BUFFERED = 2000


def say(text):
    """One line of the runtime's own on stderr, where the emulator reads it. A killed emulator's
    end of that pipe is gone: the line is dropped, never an error in what was going on."""
    try:
        print(f"cpsl: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


class _Tee(io.TextIOBase):
    def __init__(self, original, stream, sink):
        self._original = original
        self._stream = stream
        self._sink = sink
        self._partial = ""

    def write(self, text):
        n = self._original.write(text)
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink.add(self._stream, line)
        return n

    def flush(self):
        self._original.flush()

    def fileno(self):
        return self._original.fileno()

    def isatty(self):
        return self._original.isatty()

    @property
    def encoding(self):
        return self._original.encoding


class _Sink:
    def __init__(self, client):
        self._client = client
        self._records = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._failed = False
        threading.Thread(target=self._run, name="cpsl-log", daemon=True).start()

    def add(self, stream, text):
        if self._failed:
            return
        with self._lock:
            if len(self._records) < _MAX_BUFFERED:
                self._records.append({"stream": stream, "text": text})
        self._wake.set()

    def _run(self):
        while not self._failed:
            self._wake.wait()
            self._wake.clear()
            threading.Event().wait(_FLUSH_SECONDS)  # batch a burst of lines into one call
            with self._lock:
                records, self._records = self._records, []
            if not records:
                continue
            try:
                self._client.call("Log", {"records": records}, timeout=10)
            except Exception:
                self._failed = True  # printing the failure would come back here


def tee_output(client):
    sink = _Sink(client)
    sys.stdout = _Tee(sys.stdout, "stdout", sink)
    sys.stderr = _Tee(sys.stderr, "stderr", sink)
