"""mmengine's CheckpointHook, with nothing lost if a save is interrupted."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as _MMEngineCheckpointHook

from rsfm.registry import HOOKS
from rsfm.utils.atomic import write_text_atomically


@HOOKS.register_module()
class CheckpointHook(_MMEngineCheckpointHook):
    """``CheckpointHook`` (same arguments) that saves before it deletes.

    NOTE: mmengine 0.10.7 deletes the oldest kept checkpoint before writing
    the new one, so a kill during the save leaves no checkpoint with
    ``max_keep_ckpts=1``. Here the new checkpoint is written first (to a
    temporary name and renamed, by ``rsfm.Runner.save_checkpoint``), then
    ``last_checkpoint`` (atomically), and only then the checkpoints beyond
    ``max_keep_ckpts`` are removed.
    """

    def _save_checkpoint_with_step(self, runner, step, meta):
        stale = []
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            ids = list(self.keep_ckpt_ids) + [step]
            stale = ids[:-self.max_keep_ckpts]
            self.keep_ckpt_ids.clear()
            self.keep_ckpt_ids.extend(ids[-self.max_keep_ckpts:])
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_text_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old in stale:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
