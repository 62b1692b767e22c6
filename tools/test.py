"""Test a checkpoint: metrics, or submission files with ``--format-only``.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
                         [--format-only --out-dir DIR] [--show-dir DIR]
                         [--tta]
                         [--cfg-options k=v ...] [--launcher pytorch]

``--format-only`` runs the config's ``submission_dataloader`` (e.g. the
unlabeled DOTA test split) when it has one, and makes each test metric write
its submission files into ``--out-dir`` instead of computing scores:
mmrotate's ``DOTAMetric`` writes ``Task1_<class>.txt`` merged over patches
and a zip for the DOTA server, mmseg's ``IoUMetric`` writes PNG label maps,
``rsfm.LoveDASubmissionMetric`` the LoveDA server's zip and
``rsfm.ChangeDetectionMetric`` 0/255 change maps (GeoTIFF on the input's grid
for georeferenced inputs).

``--show-dir DIR`` draws every test prediction: change-detection configs
(``rsfm.CDVisualizationHook``) write ``A | B | prediction | ground truth``
per pair as ``DIR/NAME.png``; detection configs (mmdet's
``DetVisualizationHook``) the rotated boxes with class and score over each
image as ``DIR/NAME.png``; segmentation configs (mmseg's
``SegVisualizationHook``, drawn by ``rsfm.SegVisualizationHook``) the
ground truth and the predicted colour maps blended over the image, side by
side, as ``DIR/NAME.png``.
"""
import argparse
import inspect
import os
import os.path as osp

from mmengine.config import Config
from mmengine.registry import METRICS

from rsfm.utils.entry_point import add_common_args, load_config, run

#: metric argument naming where submission files go, by preference
OUT_DIR_ARGS = ('outfile_prefix', 'output_dir')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--format-only',
        action='store_true',
        help='write submission files for the benchmark server instead of '
        'computing metrics (needs --out-dir)')
    parser.add_argument(
        '--out-dir', help='folder for the --format-only submission files')
    parser.add_argument(
        '--show-dir', help='folder for drawn predictions (see above)')
    parser.add_argument(
        '--tta', action='store_true',
        help='test-time augmentation (the config\'s tta_model/tta_pipeline)')
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.format_only and not args.out_dir:
        parser.error('--format-only needs --out-dir')
    if args.format_only and osp.isdir(args.out_dir) and \
            os.listdir(args.out_dir):
        parser.error(f'--out-dir {args.out_dir} is not empty: it may hold an '
                     f'earlier submission; choose a new folder')
    if args.show_dir and osp.isdir(args.show_dir) and \
            os.listdir(args.show_dir):
        parser.error(f'--show-dir {args.show_dir} is not empty; choose a new '
                     f'folder')
    return args


def set_show_dir(cfg: Config, show_dir: str) -> None:
    """Make the config's visualization hook draw every test sample into
    ``show_dir``."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if not hook:
        raise KeyError('--show-dir: the config has no '
                       'default_hooks.visualization to draw with')
    hook['draw'] = True
    kind = hook['type'].split('.')[-1]
    if kind == 'CDVisualizationHook':
        hook['out_dir'] = show_dir  # A | B | prediction | truth per pair
    elif kind == 'DetVisualizationHook':
        # boxes, class and score per image; absolute, as mmdet joins a
        # relative folder to the work dir
        hook['test_out_dir'] = osp.abspath(show_dir)
    elif kind == 'SegVisualizationHook':
        # mmseg's, as rsfm's: colour maps over each image, flat files
        import rsfm.engine.hooks.seg_visualization_hook  # noqa: F401
        hook.update(type='rsfm.SegVisualizationHook', interval=1,
                    out_dir=show_dir)
    else:
        raise KeyError(f'--show-dir: cannot direct {hook["type"]} into a '
                       f'folder; rsfm knows CDVisualizationHook, '
                       f'DetVisualizationHook and SegVisualizationHook')


def set_format_only(cfg: Config, out_dir: str) -> None:
    """Switch the test loop of ``cfg`` to writing submission files."""
    if 'submission_dataloader' in cfg:
        cfg.test_dataloader = cfg.submission_dataloader
        cfg.test_evaluator = cfg.get('submission_evaluator',
                                     cfg.test_evaluator)
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    with METRICS.switch_scope_and_registry(cfg.get('default_scope')) as reg:
        for evaluator in evaluators:
            metric_cls = reg.get(evaluator['type'])
            if metric_cls is None:
                raise KeyError(f'test metric {evaluator["type"]} is not '
                               f'registered in scope {cfg.default_scope}')
            params = inspect.signature(metric_cls.__init__).parameters
            out_args = [a for a in OUT_DIR_ARGS if a in params]
            if 'format_only' not in params or not out_args:
                raise ValueError(
                    f'{evaluator["type"]} cannot write submission files '
                    f'(it has no format_only/{"/".join(OUT_DIR_ARGS)} '
                    f'argument); drop --format-only to compute metrics')
            evaluator['format_only'] = True
            evaluator[out_args[0]] = out_dir


def build_cfg(args) -> Config:
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint file {args.checkpoint} does not exist')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    submission = args.format_only and 'submission_dataloader' in cfg
    if args.format_only:
        set_format_only(cfg, args.out_dir)
    if args.tta:
        # the unlabelled submission split has its own TTA pipeline (no
        # annotations to load)
        pipeline = 'submission_tta_pipeline' if submission \
            else 'tta_pipeline'
        if 'tta_model' not in cfg or pipeline not in cfg:
            raise KeyError(f'{args.config} defines no tta_model/{pipeline} '
                           f'for --tta{" --format-only" * submission}')
        cfg.test_dataloader.dataset.pipeline = cfg[pipeline]
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.show_dir:
        set_show_dir(cfg, args.show_dir)
    # no training state is needed to test
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg[key] = None
    return cfg


def main(argv=None):
    return run(build_cfg(parse_args(argv)), 'test')


if __name__ == '__main__':
    main()
