from .loading import (LoadReport, choose_prefix, find_state_dict,
                      load_pretrained, load_weights, pretrained_init_cfg,
                      strip_to_sentinel)

__all__ = [
    'LoadReport', 'choose_prefix', 'find_state_dict', 'load_pretrained',
    'load_weights', 'pretrained_init_cfg', 'strip_to_sentinel'
]
