"""Shared by the change-detection fixture generators: a seeded pair of
8-bit images with changed rectangles and their 0/255 change map."""
import cv2
import numpy as np


def smooth_image(rng, h, w, channels=3, dtype=np.uint8, high=255):
    """Low-frequency noise (compresses well, looks like terrain)."""
    small = rng.uniform(0, high, (max(h // 8, 2), max(w // 8, 2), channels))
    img = cv2.resize(small.astype(np.float32), (w, h),
                     interpolation=cv2.INTER_LINEAR)
    return img.reshape(h, w, channels).astype(dtype)


def change_pair(rng, h, w, channels=3, dtype=np.uint8, high=255, n=2):
    """``(date1, date2, label)``: date 2 is date 1 with ``n`` rectangles
    repainted; ``label`` is 255 on them, 0 elsewhere."""
    date1 = smooth_image(rng, h, w, channels, dtype, high)
    date2 = date1.copy()
    label = np.zeros((h, w), np.uint8)
    for _ in range(n):
        y, x = rng.integers(0, h * 3 // 4), rng.integers(0, w * 3 // 4)
        rh, rw = rng.integers(h // 8, h // 4 + 1), rng.integers(
            w // 8, w // 4 + 1)
        date2[y:y + rh, x:x + rw] = rng.integers(0, high, channels)
        label[y:y + rh, x:x + rw] = 255
    return date1, date2, label
