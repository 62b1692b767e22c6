import subprocess
import sys

from tests.conftest import REPO


def test_benchmark_backbones_runs(tmp_path):
    out = tmp_path / 'bench.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_backbones.py',
         '--only', 'ResNet-50', 'ConvNeXt-T', '--batch', '1', '--size', '64',
         '--iters', '1', '--warmup', '0', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in out.read_text().splitlines()
            if line.startswith('| ResNet-50') or line.startswith(
                '| ConvNeXt-T')]
    assert len(rows) == 2
    ratio = float(rows[0].split('|')[5])
    assert ratio > 0


def test_benchmark_change_detection_runs(tmp_path):
    # without --open-cd (not installable): rsfm's row only, said so
    out = tmp_path / 'bench.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_change_detection.py',
         '--arch', 'atto', '--batch', '1', '--size', '64', '--iters', '1',
         '--warmup', '0', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    row = next(line for line in text.splitlines()
               if line.startswith('| rsfm'))
    assert float(row.split('|')[3]) > 0  # steps per second
    assert 'no reference: pass --open-cd PATH' in text


def test_benchmark_dota_split_runs(tmp_path):
    # without --mmrotate (a checkout, not a package file): rsfm's row only
    out = tmp_path / 'bench.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_dota_split.py',
         '--size', '300', '--objects', '60', '--window', '128', '--gap',
         '32', '--rounds', '1', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert '60 objects' in text and '9 patches' in text
    assert float(next(line for line in text.splitlines()
                      if line.startswith('| rsfm')).split('|')[2]) > 0
    assert 'no reference: pass --mmrotate PATH' in text


def test_benchmark_pretraining_runs(tmp_path):
    # without --official (a checkout of SMLFR): rsfm's row only, said so
    out = tmp_path / 'bench.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_pretraining.py',
         '--algorithm', 'slffm', '--arch', 'tiny', '--batch', '1', '--size',
         '64', '--iters', '1', '--warmup', '0', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    row = next(line for line in text.splitlines()
               if line.startswith('| rsfm'))
    assert float(row.split('|')[3]) > 0  # steps per second
    assert 'no reference: pass --official PATH' in text


def test_benchmark_pretraining_runs_the_contrastive_algorithms(tmp_path):
    # GeRSP has no runnable reference; its rsfm row at the paper's size
    out = tmp_path / 'bench.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_pretraining.py',
         '--algorithm', 'gersp', '--batch', '1', '--iters', '1', '--warmup',
         '0', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert float(next(line for line in text.splitlines()
                      if line.startswith('| rsfm')).split('|')[3]) > 0
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_pretraining.py',
         '--algorithm', 'cmid', '--size', '64'],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and 'at its paper\'s 224 px' in proc.stderr


def test_benchmark_scene_memory_runs(tmp_path):
    out = tmp_path / 'memory.md'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/benchmark_scene_memory.py',
         '--sizes', '200', '--tile', '64', '--overlap', '16',
         '--chunk', '128', '--batch-size', '2', '--work-dir',
         str(tmp_path / 'scenes'), '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split('|')[1:-1] for line in out.read_text().splitlines()
            if line.startswith('| 200x200')]
    assert len(rows) == 1
    # 4 x 4 windows of 64 at stride 48 on 200 px; 2 x 2 chunks of 128
    assert [int(c) for c in rows[0][2:4]] == [16, 16 + 4 + 4 + 1]
    assert all(float(c) >= 0 for c in rows[0][4:])
    assert not any((tmp_path / 'scenes').iterdir())  # scenes deleted
    # the progress of each run: tiles done / total
    assert '25/25' in proc.stderr
