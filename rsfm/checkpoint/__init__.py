from .known_weights import KNOWN_WEIGHTS, KnownWeights, find_known_weights
from .loading import (LoadReport, choose_prefix, find_state_dict,
                      load_pretrained, load_weights, locate_encoder,
                      pretrained_init_cfg)

__all__ = [
    'KNOWN_WEIGHTS', 'KnownWeights', 'LoadReport', 'choose_prefix',
    'find_known_weights', 'find_state_dict', 'load_pretrained',
    'load_weights', 'locate_encoder', 'pretrained_init_cfg'
]
