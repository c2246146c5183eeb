// swift-tools-version: 6.0
// VITA: trains V1T (a Vision Transformer for mouse V1 responses) on Allen Brain Observatory
// recordings, data-parallel over MPI. Native libraries come from Debian packages found through
// pkg-config: libopenmpi-dev, libopenblas-dev, libhdf5-dev (scripts/setup.sh installs them).
import PackageDescription

let package = Package(
    name: "VITA",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "v1t-dist", targets: ["v1t-dist"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Module maps over the Debian headers; each is one `#include`.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // C shims: Swift cannot import MPI's and HDF5's macro handles (MPI_COMM_WORLD, H5P_DEFAULT, ...).
        .target(name: "MPIShim", dependencies: ["CMPI"]),
        .target(name: "HDF5Shim", dependencies: ["CHDF5"]),

        // HDF5 from Swift: files, groups, datasets (numbers, strings, hyperslabs), attributes.
        .target(name: "H5", dependencies: ["CHDF5", "HDF5Shim"]),

        // Model-quality metrics (correlations, FEVE, noise ceilings); pure Swift.
        .target(name: "Metrics"),

        // The training-set file (one HDF5 file per recording), tier splits, statistics, and the
        // built-in simulated Allen-like session.
        .target(name: "TrainingSet", dependencies: ["H5", "Metrics"]),
        // Signal handlers that only record a stop request (a handler must be async-signal-safe).
        .target(name: "StopSignalShim"),

        // Data-parallel engine: communicator, trial sharding, memory budget, stop requests. Model-independent.
        .target(name: "DDP", dependencies: ["MPIShim", "StopSignalShim", "CMPI"]),

        // What this x86-64 core supports (CPUID) and can compute at most (calibrated FMA loops).
        .target(name: "CPUProbe"),
        // AVX-512 kernels for cores that have them (Swift builds for the baseline): attention's softmax and its
        // backward, GELU, LayerNorm, dropout.
        .target(name: "LayerKernels"),
        // The model: V1T with hand-written forward and backward passes on OpenBLAS.
        .target(name: "V1TModel", dependencies: ["COpenBLAS", "CPUProbe", "LayerKernels"]),

        // SVG charts and PNG images for results a person can look at.
        .target(name: "Plots"),
        // TensorBoard event files (TFRecord framing, Event/Summary protocol buffers), written by hand.
        .target(name: "TensorBoard"),
        // Training and evaluation of a model on training sets (one process or many).
        .target(name: "Training", dependencies: ["V1TModel", "TrainingSet", "H5", "Metrics", "DDP", "Plots", "TensorBoard"]),
        // Strong and weak scaling of training runs: allreduce timings, the step-time model, reports.
        .target(name: "Scaling", dependencies: ["DDP", "Training", "V1TModel", "Plots"]),
        // NumPy .npy/.npz files: the Allen events file and the Sensorium folder format.
        .target(name: "NumPyFormat", dependencies: ["CZlib"]),
        // Stimulus images from disk (PNG, PGM, .npy) and the area-averaging resize to a training resolution.
        .target(name: "ImageFiles", dependencies: ["CZlib", "NumPyFormat"]),
        // What a trained run shows: plots, predictions for new images, in-silico experiments.
        .target(name: "Results", dependencies: ["Training", "Plots", "ImageFiles", "V1TModel", "TrainingSet", "NumPyFormat", "DDP"]),
        // Resumable downloads of Allen Brain Observatory files into an AllenSDK-layout cache.
        .target(name: "AllenFetch"),
        // Allen Brain Observatory NWB 1 files -> training sets (and synthetic sessions in that layout).
        .target(name: "AllenNWB", dependencies: ["H5", "TrainingSet", "NumPyFormat", "ImageFiles"]),
        // Sensorium 2022 / Franke 2022 static folders <-> training sets (interop with the original V1T).
        .target(name: "SensoriumFormat", dependencies: ["NumPyFormat", "TrainingSet"]),

        .executableTarget(
            name: "v1t-dist",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "AllenFetch",
                "AllenNWB",
                "ImageFiles",
                "NumPyFormat",
                "Results",
                "SensoriumFormat",
                "TrainingSet",
                "Training",
                "Scaling",
                "DDP",
                "V1TModel",
            ]
        ),
        .testTarget(name: "V1TModelTests", dependencies: ["V1TModel"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(name: "ScalingTests", dependencies: ["Scaling", "Training", "v1t-dist"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "V1TModel", "v1t-dist"]),

        // Multi-rank tests: DDPTests starts `mpirun -np 2|3 ddp-harness <scenario>` and checks the output.
        .executableTarget(name: "ddp-harness", dependencies: ["DDP", "MPIShim", "COpenBLAS"], path: "Tests/DDPHarness"),
        .testTarget(name: "DDPTests", dependencies: ["DDP", "ddp-harness"]),
        .testTarget(name: "H5Tests", dependencies: ["H5"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "TrainingSetTests", dependencies: ["TrainingSet", "H5"]),
        .testTarget(name: "NumPyFormatTests", dependencies: ["NumPyFormat", "CZlib"], exclude: ["Fixtures"]),
        .testTarget(name: "AllenFetchTests", dependencies: ["AllenFetch"], exclude: ["Fixtures"]),
        .testTarget(name: "AllenNWBTests", dependencies: ["AllenNWB", "H5", "NumPyFormat", "TrainingSet"]),
        .testTarget(name: "ImageFilesTests", dependencies: ["ImageFiles", "NumPyFormat", "CZlib"], exclude: ["Fixtures"]),
        .testTarget(name: "ResultsTests", dependencies: ["Results", "Training", "Plots", "ImageFiles", "V1TModel", "TrainingSet", "v1t-dist"]),
        .testTarget(name: "SensoriumFormatTests", dependencies: ["SensoriumFormat", "NumPyFormat", "TrainingSet"]),
        // Tests of the command-line tool's own logic (it is imported with @testable).
        .testTarget(name: "V1TDistTests", dependencies: ["v1t-dist"]),
        // Damaged NWB files and training sets, each with its expected outcome (docs/robustness.md).
        .testTarget(name: "FaultInjectionTests", dependencies: ["AllenNWB", "DDP", "H5", "NumPyFormat", "TrainingSet", "v1t-dist"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard"]),
    ],
    // Swift 5 mode: the numeric code passes raw buffers between layers on one thread, which strict
    // Swift 6 concurrency checking would make noisy without making it safer.
    swiftLanguageModes: [.v5]
)
