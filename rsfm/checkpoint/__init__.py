from .loading import (LoadReport, choose_prefix, find_state_dict,
                      load_pretrained, load_weights, locate_encoder,
                      pretrained_init_cfg)

__all__ = [
    'LoadReport', 'choose_prefix', 'find_state_dict', 'load_pretrained',
    'load_weights', 'locate_encoder', 'pretrained_init_cfg'
]
