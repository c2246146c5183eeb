#!/usr/bin/env python3
"""Measures the movie-trial defaults of `v1t-dist convert` (--movie-window, --movie-frame-step) on
simulated dF/F with the simulator's GCaMP6f-like calcium kernel (Sources/TrainingSet/Simulation/
CalciumKernel.swift: 0.05 s latency, 0.08 s rise, 0.4 s decay, 30 frames/s).

Each neuron's drive per movie frame mixes a slow part (the scene panning by, correlation time 0.5 s)
and a frame-specific part (new content), in equal variance; the trace is the drive convolved with the
kernel plus imaging noise per frame. A trial's response is the trace's mean over [lag, end) after
its frame's onset. Printed:
  1. for each lag and window length, the correlation of the trial response with the drive of the
     frame shown (what a model that sees only that frame can predict), and
  2. for each frame step, the correlation between the responses of consecutive kept trials (how
     near-duplicate neighbouring trials are).
Usage: python3 scripts/movie-window.py [--noise 1.0] [--seed 0] [--window 0.1,0.5]
"""
import argparse
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--noise", type=float, default=1.0, help="imaging noise SD per frame, in units of the drive SD")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--window", default="0.1,0.5", help="lag,end (s) for the frame-step table")
args = parser.parse_args()
rng = np.random.default_rng(args.seed)
rate, frames, neurons = 30.0, 20_000, 50

t = np.arange(0, 3, 1 / rate)
shape = np.where(t > 0.05, np.exp(-(t - 0.05) / 0.4) - np.exp(-(t - 0.05) / 0.08), 0.0)
kernel = shape / shape.sum()
print(f"kernel peak {t[shape.argmax()]:.3f} s after the frame")

alpha = np.exp(-1 / (0.5 * rate))
slow = np.zeros((neurons, frames))
innovations = rng.standard_normal((neurons, frames)) * np.sqrt(1 - alpha**2)
for i in range(1, frames):
    slow[:, i] = alpha * slow[:, i - 1] + innovations[:, i]
drive = (slow + rng.standard_normal((neurons, frames))) / np.sqrt(2)
trace = np.stack([np.convolve(d, kernel)[:frames] for d in drive])
trace = trace / trace.std() + args.noise * rng.standard_normal(trace.shape)
cumulative = np.concatenate([np.zeros((neurons, 1)), np.cumsum(trace, axis=1)], axis=1)

def responses(lag, end, step=1):
    first, last = int(round(lag * rate)), int(round(end * rate))
    kept = np.arange(0, frames - last, step)
    return kept, (cumulative[:, kept + last] - cumulative[:, kept + first]) / (last - first)

def correlation(a, b):
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    return float(np.mean((a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))))

lags = [0.0, 0.033, 0.067, 0.1, 0.133, 0.167, 0.2]
lengths = [0.1, 0.2, 0.3, 0.4, 0.5]
print("\ncorrelation of the trial response with the shown frame's drive (rows: lag s, columns: window length s)")
print("lag    " + "".join(f"{length:>8.1f}" for length in lengths))
best = (-1.0, 0.0, 0.0)
for lag in lags:
    row = []
    for length in lengths:
        kept, r = responses(lag, lag + length)
        c = correlation(r, drive[:, kept])
        row.append(c)
        best = max(best, (c, lag, length))
    print(f"{lag:<7.3f}" + "".join(f"{c:>8.3f}" for c in row))
print(f"best: lag {best[1]:.3f} s, window {best[2]:.1f} s (correlation {best[0]:.3f})")

lag, end = (float(x) for x in args.window.split(","))
print(f"\nwith the window {lag}-{end} s: correlation between consecutive kept trials, by frame step")
for step in [1, 2, 3, 4, 6, 8, 10, 15]:
    kept, r = responses(lag, end, step)
    print(f"step {step:>2} ({step / rate:.2f} s): {correlation(r[:, :-1], r[:, 1:]):.3f}; with the frame's own drive {correlation(r, drive[:, kept]):.3f}")
