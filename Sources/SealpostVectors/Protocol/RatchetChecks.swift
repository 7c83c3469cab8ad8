import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/ratchet/` (`Spec/vectors.md`, "Ratchet vectors").
enum RatchetChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "ratchet-conversation": conversation
        case "ratchet-reject": reject
        default: nil
        }
    }

    /// Replays the script; every output of every step must match.
    static func conversation(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            var scenario = try RatchetScenario(test.fields)
            let expected = try RatchetScenario.steps(test.fields)
            var steps = expected
            try scenario.run(&steps)
            for (index, (want, got)) in zip(expected, steps).enumerated() {
                for (key, value) in want.outputs where got.outputs[key] != value {
                    throw CheckFailure("step \(index) \(key): got \(got.outputs[key].map { "\($0)" } ?? "nothing")")
                }
            }
        }
    }

    /// Replays the first `replaySteps` steps, then delivers `message` to `party`: it must be
    /// refused with `error`.
    static func reject(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            var scenario = try RatchetScenario(test.fields)
            var steps = Array(try RatchetScenario.steps(test.fields).prefix(try test.fields.int("replaySteps")))
            try scenario.run(&steps)
            try scenario.deliver(try RatchetMessage(serialized: try test.fields.hex("message")), to: try test.fields.string("to"))
        }
    }
}
