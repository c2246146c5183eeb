import COpenBLAS

/// The OpenBLAS kernel family this process computes with (openblas_get_corename), e.g. "SkylakeX".
public var blasCoreName: String { String(cString: openblas_get_corename()) }
