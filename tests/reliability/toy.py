"""A toy model and dataset for runs in subprocesses (launcher tests): the
module registers them into mmengine's root registries, so it is imported
only by the configs that tests write, never by the test session itself."""
import time

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, MODELS


@MODELS.register_module()
class SlowToyModel(BaseModel):
    """A linear model whose steps take ``delay`` seconds."""

    def __init__(self, delay: float = 0.05):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.delay = delay

    def forward(self, inputs, labels=None, mode='tensor'):
        time.sleep(self.delay)
        out = self.linear(torch.stack(inputs) if isinstance(inputs, list)
                          else inputs)
        if mode == 'loss':
            return dict(loss=((out.squeeze(-1) - labels)**2).mean())
        return out


@DATASETS.register_module()
class ToyData(torch.utils.data.Dataset):

    def __init__(self, length: int = 8):
        self.length = length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        x = torch.randn(2, generator=torch.Generator().manual_seed(i))
        return dict(inputs=x, labels=x.sum())
