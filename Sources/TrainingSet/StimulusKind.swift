import Foundation

/// The stimulus a trial comes from, named as the Allen names its stimuli: `natural_scenes` (a scene
/// or a blank) or a natural movie (`natural_movie_one`, `natural_movie_two`, `natural_movie_three`),
/// whose trials are single frames. A recording lists its kinds once (`Trials.stimulusKinds`) and
/// each trial points into that list.
public struct StimulusKind: Hashable, Sendable, CustomStringConvertible {
    public var name: String

    public init(name: String) { self.name = name }

    public static let naturalScenes = StimulusKind(name: "natural_scenes")
    public static let movieNamePrefix = "natural_movie"

    /// A natural movie's trials are frames; a scene kind's trials are whole images (or blanks).
    public var isMovie: Bool { name.hasPrefix(Self.movieNamePrefix) }
    public var category: StimulusCategory { isMovie ? .movies : .scenes }
    public var description: String { name }
}

/// The two families of natural stimuli `train --stimuli` chooses between.
public enum StimulusCategory: String, Sendable, CaseIterable, CustomStringConvertible {
    case scenes
    case movies

    public var description: String { rawValue }
}

/// Which trials to use, by stimulus: `scenes`, `movies`, or single kinds by name
/// (`natural_movie_one`), comma-separated (`scenes,movies`). `.all` takes whatever a file holds.
public struct StimulusSelection: Equatable, Sendable, CustomStringConvertible {
    /// The terms as given, each a category or a kind name.
    public let terms: [String]

    public static let all = StimulusSelection(validatedTerms: [])

    private init(validatedTerms: [String]) { terms = validatedTerms }

    /// Parses `scenes,movies` and the like; unknown words are refused with the accepted ones.
    public init(parsing text: String) throws {
        let words = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !words.isEmpty else { throw StimulusSelectionError(message: "--stimuli is empty; give e.g. scenes, movies or scenes,movies") }
        for word in words where StimulusCategory(rawValue: word) == nil
            && word != StimulusKind.naturalScenes.name && !word.hasPrefix(StimulusKind.movieNamePrefix + "_") {
            throw StimulusSelectionError(message: "--stimuli: '\(word)' is neither scenes, movies, natural_scenes nor a natural_movie_... name")
        }
        terms = words
    }

    public var isAll: Bool { terms.isEmpty }

    public func includes(_ kind: StimulusKind) -> Bool {
        isAll || terms.contains { Self.matches($0, kind) }
    }

    public var description: String { isAll ? "all stimuli" : terms.joined(separator: ",") }
}

public struct StimulusSelectionError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}
