"""Cross-checks the Swift writer of synthetic Allen sessions against the reference Python fixture
(shared/reference/allen_nwb1_fixture.py, whose output AllenSDK 2.16.2 reads): same HDF5 paths, same
kinds (group/dataset), same dtypes, same ranks, and same shapes wherever the two use the same sizes.
Run by hand; the test suite does not depend on Python.

    python3 -m venv /tmp/h5 && /tmp/h5/bin/pip install h5py numpy
    .build/release/v1t-dist synthetic-nwb --out /tmp/swift.nwb
    /tmp/h5/bin/python scripts/crosscheck-allen-fixture.py /tmp/swift.nwb /path/to/allen_nwb1_fixture.py
"""
import importlib.util
import sys
import tempfile

import h5py


def describe(path):
    items = {}
    with h5py.File(path, 'r') as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                kind = obj.dtype.kind  # 'S' byte string, 'f' float, 'i' int, 'u' unsigned
                items['/' + name] = ('dataset', kind, obj.dtype.itemsize if kind != 'S' else 0, obj.shape)
            else:
                items['/' + name] = ('group', None, None, None)
        f.visititems(visit)
    return items


def main(swift_file, fixture_script):
    spec = importlib.util.spec_from_file_location('fixture', fixture_script)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    reference_file = tempfile.mktemp(suffix='.nwb')
    fixture.make(reference_file)
    ours, reference = describe(swift_file), describe(reference_file)
    problems = []
    for path in sorted(set(ours) | set(reference)):
        if path not in ours:
            problems.append(f'missing in the Swift file: {path} {reference[path][:3]}')
        elif path not in reference:
            problems.append(f'only in the Swift file: {path}')
        else:
            a, b = ours[path], reference[path]
            if a[:3] != b[:3] or (a[3] is not None and len(a[3]) != len(b[3])):
                problems.append(f'{path}: Swift {a} vs reference {b}')
            elif a[3] is not None and a[3] != b[3]:
                # Sizes differ by design (cells, frames, images); report them for a look.
                print(f'same dtype and rank, different size: {path} Swift {a[3]} reference {b[3]}')
    print(f'{len(reference)} reference objects, {len(ours)} Swift objects, {len(problems)} differences')
    for p in problems:
        print('  ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
