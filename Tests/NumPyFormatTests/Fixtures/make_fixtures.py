"""Writes the NumPy-made files NumPyFormatTests reads, to cross-check the Swift reader against NumPy.
Run by hand (python3 make_fixtures.py, needs numpy); the tests only read the committed outputs.
Every value is a formula the Swift test recomputes."""
import numpy as np

grid = np.arange(6).reshape(2, 3)
np.save('f4_2x3.npy', (grid / 4).astype('<f4'))
np.save('f8.npy', np.array([0.1, -2.5, 1e300], dtype='<f8'))
np.save('i8.npy', np.array([-1, 2**40, 517500000], dtype='<i8'))
np.save('i4.npy', np.array([[-7, 8], [9, 10]], dtype='<i4'))
np.save('u1.npy', np.arange(250, 256, dtype=np.uint8))
np.save('b1.npy', np.array([True, False, True]))
np.save('scalar_f4.npy', np.float32(2.5))
np.save('tiers.npy', np.array(['train', 'validation', 'test', 'final_test']))
np.save('bytes.npy', np.array([b'roi_1', b'x']))
with open('v2_f4.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(4, dtype='<f4'), version=(2, 0))
np.save('fortran.npy', np.asfortranarray(grid.astype('<f4')))
np.save('bigendian.npy', np.arange(3, dtype='>f4'))
np.save('object.npy', np.array([{'a': 1}, None], dtype=object), allow_pickle=True)

# An events-like file: 3 cells x 50 frames, sparse non-negative, value = (10 * cell + frame) / 8 where
# (cell + frame) % 7 == 0, else 0.
c, t = np.meshgrid(np.arange(3), np.arange(50), indexing='ij')
ev = np.where((c + t) % 7 == 0, (10 * c + t) / 8, 0.0)
np.savez_compressed('events_deflate.npz', ev=ev)
np.savez('events_stored.npz', ev=ev.astype('<f4'), ids=np.array([11, 12, 13], dtype='<i8'))
