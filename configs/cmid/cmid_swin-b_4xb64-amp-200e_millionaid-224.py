custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# CMID pretraining of Swin-B (NJU-LHRS/official-CMID Pretrain/
# pt_swin_config.yaml): as the ResNet-50 config, with
# - student: Swin-B (window 7, patch 4, no drop path, last-stage norm;
#   CMID's mmcls Swin, whose keys rsfm converts) with a mask token added to
#   the patch embeddings at masked positions;
# - MIM decoder and heads on 1024 channels; no BN in the local heads;
# - teacher temperature schedule read at the epoch itself
#   (model_warmup_epoch 0).
# No downstream number belongs to this config: its checkpoint feeds the
# *_swin-b-cmid_* configs (`backbone.*`).
_base_ = ['./cmid_resnet-50_4xb64-amp-200e_millionaid-224.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='rsfm.MaskedSwin',
        arch='base',
        window_size=7,
        out_indices=(3, ),
        drop_path_rate=0.,
        shift_single_window=False,
        mask_mode='add'),
    neck=dict(in_channels=1024),
    local_head=dict(norm=False))
custom_hooks = [
    dict(type='rsfm.TeacherTempHook', warmup_temp=0.04, temp=0.07,
         warmup_epochs=50, epoch_offset=0)
]
