/// "Did you mean" suggestions for misspelled words, by edit distance.

/// The candidate closest to a misspelled word, phrased as a hint, when one is close enough.
func didYouMean(_ word: String, _ candidates: [String]) -> String? {
    let lower = word.lowercased()
    let length = lower.count  // counted once: a word may be megabytes long
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lower, candidate.lowercased())
        if distance <= max(1, min(length, candidate.count) / 3), distance < (best?.1 ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best.map { "did you mean '\($0.0)'?" }
}

/// The edit distance between two short words, a swap of two neighbouring letters counting as one edit
/// (`RLEU` is one edit from `RELU`).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.prefix(64))
    let b = Array(b.prefix(64))
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = Array(repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
