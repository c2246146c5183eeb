import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for download tests: one background thread, one connection at
/// a time, `Connection: close` after every answer. It stops when the test calls `stop()` and, whatever
/// happens, by itself after `lifetime` seconds, so no test can leave it running.
final class LocalHTTPServer: @unchecked Sendable {
    struct Request {
        var path: String
        var range: String?
    }

    struct Response {
        var status = 200
        var headers: [(String, String)] = []
        var body = Data()
        /// Send only this many body bytes, then close the connection (a transfer cut in the middle).
        var cutAfter: Int?
        /// Accept the connection and never answer (a stalled host).
        var silent = false

        /// An answer to a GET of `file`, honouring `Range: bytes=N-` unless `ignoreRange`.
        static func serving(_ file: Data, for request: Request, ignoreRange: Bool = false,
                            cutAfter: Int? = nil) -> Response {
            if !ignoreRange, let range = request.range, range.hasPrefix("bytes="), range.hasSuffix("-"),
               let start = Int(range.dropFirst(6).dropLast()) {
                guard start < file.count else {
                    return Response(status: 416, headers: [("Content-Range", "bytes */\(file.count)")])
                }
                return Response(status: 206,
                                headers: [("Content-Range", "bytes \(start)-\(file.count - 1)/\(file.count)"),
                                          ("Content-Length", "\(file.count - start)")],
                                body: file.subdata(in: start..<file.count), cutAfter: cutAfter)
            }
            return Response(status: 200, headers: [("Content-Length", "\(file.count)")], body: file, cutAfter: cutAfter)
        }
    }

    let port: UInt16
    private let listener: Int32
    private let handler: (Request) -> Response
    private let lock = NSLock()
    private var _requests: [Request] = []
    private var stopped = false
    private var heldConnections: [Int32] = []
    private let finished = DispatchSemaphore(value: 0)

    /// Every request received so far, in order.
    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return _requests }

    init(lifetime: TimeInterval = 30, handler: @escaping (Request) -> Response) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let deadline = Date().addingTimeInterval(lifetime)
        let thread = Thread { [self] in serve(until: deadline) }
        thread.start()
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        if !wasStopped { finished.wait() }
    }

    /// A port on 127.0.0.1 with nothing listening (bound, then released).
    static func closedPort() -> UInt16 {
        let probe = try? LocalHTTPServer(lifetime: 1) { _ in Response() }
        let port = probe?.port ?? 9
        probe?.stop()
        return port
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func serve(until deadline: Date) {
        while !isStopped && Date() < deadline {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            if connection >= 0 { handle(connection) }
        }
        close(listener)
        lock.lock()
        heldConnections.forEach { close($0) }
        stopped = true
        lock.unlock()
        finished.signal()
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(connection) else { close(connection); return }
        lock.lock(); _requests.append(request); lock.unlock()
        let response = handler(request)
        if response.silent {
            lock.lock(); heldConnections.append(connection); lock.unlock()
            return
        }
        var head = "HTTP/1.1 \(response.status) \(response.status < 300 ? "OK" : "Error")\r\nConnection: close\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        send(connection, Data(head.utf8))
        let body = response.cutAfter.map { response.body.prefix($0) } ?? response.body
        send(connection, Data(body))
        shutdown(connection, Int32(SHUT_RDWR))
        close(connection)
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.range(of: Data("\r\n\r\n".utf8)) == nil {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            received.append(contentsOf: buffer[0..<n])
        }
        let lines = String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var request = Request(path: String(parts[1]), range: nil)
        for line in lines.dropFirst() where line.lowercased().hasPrefix("range:") {
            request.range = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
        }
        return request
    }

    private func send(_ connection: Int32, _ data: Data) {
        data.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let n = Glibc.send(connection, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
    }
}
