# Runtime for mmpretrain-hosted (pretraining) configs.
# Local copy of open-mmlab/mmpretrain v1.2.0 configs/_base_/default_runtime.py
# (checkpoints every 10 epochs, the last 3 kept, as its self-supervised
# configs), plus rsfm's Runner.
default_scope = 'mmpretrain'
runner_type = 'rsfm.Runner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(window_size=10)
log_level = 'INFO'
load_from = None
resume = False
# a different seed per process: masks drawn in the model (SLFFM,
# SpectralGPT) differ across GPUs, as SpectralGPT seeds seed + rank
randomness = dict(seed=None, diff_rank_seed=True, deterministic=False)
