custom_imports = dict(
    imports=['rsfm.models', 'rsfm.models.pretrain', 'rsfm.datasets',
             'rsfm.engine'],
    allow_failed_imports=False)
# SLFFM pretraining of ConvNeXt-L: the ConvNeXt-B config with SMLFR's
# ConvNeXt-L (dims 192-384-768-1536, drop path 0.4 as build_convnext
# hard-wires it); same decoder, target, optimizer and schedule. Its
# checkpoint feeds the *_convnext-l-slffm_* configs.
_base_ = ['./slffm_convnext-b_8xb128-200e_geosense-224.py']
model = dict(backbone=dict(arch='large', drop_path_rate=0.4))
