from .loading import (LoadReport, find_state_dict, load_pretrained,
                      load_weights, pretrained_init_cfg, strip_to_sentinel)

__all__ = [
    'LoadReport', 'find_state_dict', 'load_pretrained', 'load_weights',
    'pretrained_init_cfg', 'strip_to_sentinel'
]
