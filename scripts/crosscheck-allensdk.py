"""Cross-checks `v1t-dist convert` against AllenSDK on the same file: AllenSDK 2.16.2 reads the NWB file
(it must accept the synthetic layout), numpy recomputes responses, running speed and pupil over the
response window, and the result is compared with the training set that convert wrote.
Run by hand; the test suite does not depend on Python.

    python3 -m venv /tmp/h5 && /tmp/h5/bin/pip install h5py numpy allensdk==2.16.2
    .build/release/v1t-dist synthetic-nwb --out /tmp/s.nwb
    .build/release/v1t-dist convert /tmp/s.nwb --out /tmp/out
    /tmp/h5/bin/python scripts/crosscheck-allensdk.py /tmp/s.nwb /tmp/out/501559087.h5
"""
import sys

import h5py
import numpy as np
from allensdk.core.brain_observatory_nwb_data_set import BrainObservatoryNwbDataSet


def main(nwb, training_set, start=0.0, end=0.5):
    data = BrainObservatoryNwbDataSet(nwb)
    times, dff = data.get_dff_traces()
    table = data.get_stimulus_table('natural_scenes')
    template = data.get_stimulus_template('natural_scenes')
    speed, speed_times = data.get_running_speed()  # AllenSDK aligns it to the imaging clock with NaN
    pupil_times, pupil = data.get_pupil_size()
    masks = data.get_roi_mask_array()
    meta = data.get_metadata()
    ids = data.get_cell_specimen_ids()
    onsets = times[table['start'].values]

    with h5py.File(training_set, 'r') as f:
        responses = f['trials/responses'][()]
        behaviour = f['trials/behaviour'][()]
        stimulus_frame = f['trials/stimulus_frame'][()]
        positions = f['neurons/position'][()]
        neuron_ids = f['neurons/id'][()]
        attributes = dict(f.attrs)

    checks = []
    def check(name, ok):
        checks.append((name, bool(ok)))

    check('trial count', len(table) == len(responses))
    check('image of each trial', np.array_equal(table['frame'].values, stimulus_frame))
    expected = np.stack([np.mean(dff[:, (times >= t + start) & (times < t + end)], axis=1) for t in onsets])
    check('responses = window mean of AllenSDK dF/F (max error %.2e)' % np.abs(expected - responses).max(),
          np.allclose(expected, responses, atol=1e-5))
    # Running speed: mean of finite samples in each window (trials where the window has some).
    finite = []
    for trial, t in enumerate(onsets):
        window = speed[(speed_times >= t + start) & (speed_times < t + end)]
        window = window[np.isfinite(window)]
        if len(window):
            finite.append(abs(window.mean() - behaviour[trial, 2]))
    check('running speed = window mean (%d trials, max error %.2e)' % (len(finite), max(finite)), max(finite) < 1e-4)
    sizes = [abs(np.nanmean(pupil[(pupil_times >= t + start) & (pupil_times < t + end)]) - behaviour[trial, 0])
             for trial, t in enumerate(onsets)]
    check('pupil size = window mean (max error %.2e)' % max(sizes), max(sizes) < 1e-3)
    um = 400 / masks.shape[1]
    centroids = np.array([[np.nonzero(m)[1].mean() * um, np.nonzero(m)[0].mean() * um] for m in masks])
    check('positions = mask centroids in micrometres', np.allclose(centroids, positions[:, :2], atol=1e-4))
    check('depth = imaging depth', np.all(positions[:, 2] == meta['imaging_depth_um']))
    check('neuron ids = cell specimen ids', np.array_equal(ids, neuron_ids))
    check('cre line %s' % meta['cre_line'], attributes['cre_line'].decode() == meta['cre_line'].split('/')[0])
    check('templates are float32 118 x H x W', template.dtype == np.float32 and template.shape[0] == 118)
    for name, ok in checks:
        print(('ok    ' if ok else 'FAIL  ') + name)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
