"""Write files whole or not at all."""
import contextlib
import os
import os.path as osp


@contextlib.contextmanager
def atomic_output(path: str):
    """Yield a temporary path beside ``path`` (same extension, so writers
    that pick the format from it still work); it is renamed to ``path``
    when the block succeeds and removed when it fails, so ``path`` never
    holds a partial file (a kill, a full disk). The temporary name carries
    the process id: processes writing the same file do not share it."""
    root, ext = osp.splitext(osp.basename(path))
    tmp = osp.join(osp.dirname(path), f'.{root}.{os.getpid()}.tmp{ext}')
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`atomic_output`."""
    with atomic_output(path) as tmp, open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
