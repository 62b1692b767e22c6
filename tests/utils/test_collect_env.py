from rsfm.utils import collect_env as ce


def test_report_lists_versions_and_ops():
    env, problems = ce.collect_env()
    assert problems == []
    assert env['mmcv'].startswith('2.1.0')
    assert env['mmcv.ops'].startswith('compiled')
    assert env['rsfm'] == __import__('rsfm').__version__


def test_missing_package_is_a_problem_with_a_fix(monkeypatch, capsys):
    monkeypatch.setattr(
        ce, 'PACKAGES',
        ce.PACKAGES + (('not_a_real_pkg', 'not-a-real-pkg', '1.0'), ))
    assert ce.main(['--check']) == 1
    out = capsys.readouterr().out
    assert 'not-a-real-pkg' in out and 'MISSING' in out
    assert 'PROBLEM: not-a-real-pkg does not import' in out
    assert 'tools/install.sh' in out
    assert ce.main([]) == 0  # without --check the report never fails


def test_version_outside_tested_set_is_flagged(monkeypatch):
    monkeypatch.setattr(ce, 'PACKAGES', (('mmcv', 'mmcv', '9.9'), ))
    env, _ = ce.collect_env()
    assert 'rsfm is tested with 9.9' in env['mmcv']
