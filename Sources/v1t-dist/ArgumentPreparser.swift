/// Lets a negative number follow an option as its value: `--lr -0.001`, `--window -0.1,0.4`.
///
/// swift-argument-parser reads any word starting with `-` as an option, so `--lr -0.001` fails with
/// "Missing value for '--lr <lr>'" before the option's own check can speak. One rewrite before
/// parsing serves every option: a long option without `=` followed by a word that reads as a negative
/// number becomes `--lr=-0.001`. Flags never take values, so for them the joined word is still refused,
/// by the parser, naming the flag.
enum ArgumentPreparser {
    static func prepare(_ arguments: [String]) -> [String] {
        var prepared: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                prepared += arguments[index...]
                break
            }
            if word.hasPrefix("--"), word.count > 2, !word.contains("="), index + 1 < arguments.count,
               isNegativeNumber(arguments[index + 1]) {
                prepared.append(word + "=" + arguments[index + 1])
                index += 2
            } else {
                prepared.append(word)
                index += 1
            }
        }
        return prepared
    }

    /// `-3`, `-0.001`, `-.5`, `-1e-4`, `-inf`, and lists of them (`-0.1,0.4`): a minus, then a number.
    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let first = word.split(separator: ",", omittingEmptySubsequences: false)[0]
        let magnitude = first.dropFirst()
        return Double(magnitude) != nil && !magnitude.hasPrefix("-") && !magnitude.hasPrefix("+")
    }
}
