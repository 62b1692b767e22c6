from .dota import DOTADataset, dump_dota_labels, load_dota_labels
from .dota_split import split_dota

__all__ = ['DOTADataset', 'dump_dota_labels', 'load_dota_labels', 'split_dota']
