#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `netcalc fmt`: prints each spec in canonical form, or with `-w` rewrites each file in place under
/// the rules of `FileRewrite` (README, "netcalc fmt -w"): a symbolic link's target is rewritten, a file
/// named twice is formatted once, a file that does not parse, is read-only or is not a regular file
/// is refused, an unchanged file is not touched, and the file keeps its line endings and byte-order mark.
func format(_ inputs: [InputSource], options: Options, invocation: Invocation,
            renderer: DiagnosticRenderer) -> Outcome {
    var outcome = Outcome(status: 0, standardOutput: "", standardError: "")
    var standardInputUsed = false
    var done: Set<FileIdentity> = []
    for input in inputs {
        if options.write, case .file(let path) = input {
            let result = rewrite(path, invocation: invocation, renderer: renderer, done: &done)
            outcome.standardError += result.messages
            outcome.status = max(outcome.status, result.status)
            continue
        }
        let file: SourceFile
        let raw: LoadedInput
        switch load(input, invocation: invocation, standardInputUsed: &standardInputUsed) {
        case .success(let loaded): (file, raw) = loaded
        case .failure(.trouble(let message)):
            outcome.standardError += "netcalc: error: \(message)\n"
            outcome.status = max(outcome.status, 2)
            continue
        case .failure(.invalid(let list)):
            outcome.standardError += renderer.render(list)
            outcome.status = max(outcome.status, 1)
            continue
        }
        switch canonicalBytes(file, raw: raw.bytes) {
        case .success(let bytes):
            outcome.standardOutputBytes += bytes
        case .failure(let list):
            outcome.standardError += renderer.render(list)
            outcome.status = max(outcome.status, 1)
        }
    }
    return outcome
}

/// A file's canonical text as bytes, written with the file's own conventions (`keepingConventions`),
/// or the syntax errors that keep it from being formatted.
func canonicalBytes(_ file: SourceFile, raw: [UInt8]) -> Result<[UInt8], DiagnosticList> {
    var parser = Parser(file: file)
    let syntax = parser.parse()
    guard !parser.diagnostics.hasErrors else { return .failure(parser.diagnostics) }
    let text = SpecFormatter(syntax: syntax, comments: parser.comments).format()
    return .success(keepingConventions(text, of: raw))
}

/// Canonical text with the conventions of the file it came from: a byte-order mark when the file
/// starts with one, and CRLF line endings when the file's first line ends in CRLF.
func keepingConventions(_ text: String, of raw: [UInt8]) -> [UInt8] {
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    var out: [UInt8] = raw.starts(with: bom) ? bom : []
    let crlf = raw.firstIndex(of: UInt8(ascii: "\n")).map { $0 > 0 && raw[$0 - 1] == UInt8(ascii: "\r") } ?? false
    out.reserveCapacity(text.utf8.count + (crlf ? text.utf8.count / 20 : 0) + 3)
    var previous: UInt8 = 0
    for byte in text.utf8 {
        if byte == UInt8(ascii: "\n") {
            if previous == UInt8(ascii: "\r") { out.removeLast() }  // answers keep raw text: no \r\r\n
            if crlf { out.append(UInt8(ascii: "\r")) }
        }
        out.append(byte)
        previous = byte
    }
    return out
}

/// What rewriting one file printed, and its exit status.
private struct RewriteResult {
    var messages = ""
    var status: Int32 = 0

    /// A refusal or failure: `netcalc: error:` and the message, status 2.
    static func trouble(_ message: String, hint: String? = nil) -> RewriteResult {
        RewriteResult(messages: "netcalc: error: \(visible(message))\n" + (hint.map { "hint: \(visible($0))\n" } ?? ""), status: 2)
    }
}

/// `fmt -w` on one file: checks it may be rewritten, formats it, and replaces its text.
private func rewrite(_ path: String, invocation: Invocation, renderer: DiagnosticRenderer,
                     done: inout Set<FileIdentity>) -> RewriteResult {
    let opened = fullPath(path, invocation: invocation)
    // stat follows symbolic links: the rules apply to the file the name leads to.
    var status = stat()
    guard stat(opened, &status) == 0 else { return .trouble("cannot read '\(path)': \(errorText(errno))") }
    if let kind = FileIdentity.kindIfNotRegular(status.st_mode) {
        return .trouble("cannot rewrite '\(path)': it is \(kind), not a regular file",
                        hint: "netcalc fmt -w rewrites regular files only; netcalc fmt \(path) prints the canonical form")
    }
    let identity = FileIdentity(status)
    guard done.insert(identity).inserted else { return RewriteResult() }  // named twice (or by a link): once
    guard FileRewrite.isWritable(opened, status) else {
        let mode = FileRewrite.modeText(status.st_mode)
        return status.st_mode & 0o222 == 0
            ? .trouble("cannot rewrite '\(path)': it is read-only (mode \(mode))",
                       hint: "netcalc fmt -w leaves read-only files alone; make it writable (chmod u+w) to rewrite it")
            : .trouble("cannot rewrite '\(path)': you may not write it (mode \(mode))")
    }
    guard let target = FileRewrite.resolve(opened) else {
        return .trouble("cannot rewrite '\(path)': cannot resolve its path: \(errorText(errno))")
    }
    let bytes: [UInt8]
    switch FileRewrite.read(target, expecting: identity, shownAs: path) {
    case .success(let read): bytes = read
    case .failure(let error): return .trouble(error.message)
    }
    let file: SourceFile
    switch SourceFile.load(name: path, bytes: bytes) {
    case .success(let loaded): file = loaded
    case .failure(let list):
        return RewriteResult(messages: renderer.render(list) + "\(visible(path)): not rewritten: it is not UTF-8 text\n", status: 1)
    }
    let formatted: [UInt8]
    switch canonicalBytes(file, raw: bytes) {
    case .success(let canonical): formatted = canonical
    case .failure(let list):
        return RewriteResult(messages: renderer.render(list) + "\(visible(path)): not rewritten: it does not parse\n", status: 1)
    }
    if formatted == bytes { return RewriteResult() }  // already canonical: the file is not touched
    // The new text is made in full and must parse before a byte of the file changes.
    guard case .success(let check) = SourceFile.load(name: path, bytes: formatted),
          case .success = canonicalBytes(check, raw: formatted) else {
        return .trouble("cannot rewrite '\(path)': its canonical form does not parse (a bug in netcalc fmt; please report it)")
    }
    if let problem = FileRewrite.replace(target, with: formatted, original: status) {
        return .trouble("cannot rewrite '\(path)': \(problem)")
    }
    return RewriteResult()
}
