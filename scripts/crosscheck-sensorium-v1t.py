"""Loads a folder written by `v1t-dist export-sensorium` with the original V1T's own loader functions
(src/v1t/data.py: load_mouse_data, load_trial_data, load_mouse_metadata) and checks what it gets
against the training-set file. torch is stubbed out: the loader functions used here only need numpy.
Run by hand; the test suite does not depend on Python.

    git -C /work/.mirror/bryanlimy+V1T/repo show HEAD:src/v1t/data.py > /tmp/v1t_data.py
    /tmp/h5/bin/python scripts/crosscheck-sensorium-v1t.py /tmp/v1t_data.py EXPORTED_FOLDER TRAINING_SET.h5
"""
import sys
import types

import h5py
import numpy as np


def main(data_py, folder, training_set):
    for name in ['torch', 'torch.utils', 'torch.utils.data', 'tqdm', 'v1t', 'v1t.utils', 'v1t.utils.utils']:
        sys.modules[name] = types.ModuleType(name)
    sys.modules['torch'].Tensor = object
    sys.modules['torch'].device = lambda *a, **k: None
    sys.modules['torch.utils.data'].Dataset = object
    sys.modules['torch.utils.data'].DataLoader = object
    sys.modules['tqdm'].tqdm = lambda x, **kw: x

    def update_dict(target, source):
        for key, value in source.items():
            target.setdefault(key, []).append(value)
    sys.modules['v1t.utils'].utils = types.SimpleNamespace(update_dict=update_dict)
    sys.modules['v1t.utils.utils'].update_dict = update_dict
    loader = types.ModuleType('v1t_data')
    exec(compile(open(data_py).read(), data_py, 'exec'), loader.__dict__)

    data, meta = loader.load_mouse_data('sensorium', folder)
    with h5py.File(training_set, 'r') as f:
        images = f['images'][()][f['trials/image_index'][()]]
        checks = {
            'images': np.array_equal(data['image'][:, 0], images.astype(np.float32)),
            'responses': np.array_equal(data['response'], f['trials/responses'][()]),
            'behavior': np.array_equal(data['behavior'], f['trials/behaviour'][()]),
            'pupil_center': np.array_equal(data['pupil_center'], f['trials/pupil_center'][()]),
            'neuron ids': np.array_equal(meta['neuron_ids'], f['neurons/id'][()].astype(np.int32)),
            'coordinates': np.array_equal(meta['coordinates'], f['neurons/position'][()]),
            'tiers': list(meta['tiers']) == [['train', 'validation', 'test'][t] for t in f['trials/tier'][()]],
            'image ids': np.array_equal(meta['image_ids'], f['trials/stimulus_frame'][()]),
            'response std': np.allclose(meta['stats']['response']['std'], f['statistics/responses/std'][()]),
            'behavior std finite and positive': bool(np.all(meta['stats']['behavior']['std'] > 0)),
        }
    print(f"{len(data['image'])} trials, image shape {data['image'].shape[1:]}, {meta['num_neurons']} neurons")
    for name, ok in checks.items():
        print(('ok    ' if ok else 'FAIL  ') + name)
    return 0 if all(checks.values()) else 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
