// primitive-loop NAME ITERATIONS wrapper|direct
// primitive-loop list
// primitive-loop record-sizes | envelope-sizes
// Runs one workload in a loop. Used under `valgrind --tool=callgrind` by callgrind.sh, where
// the difference between a run of N iterations and a run of 0 gives the instructions of N calls,
// free of start-up cost.
import Foundation
import PrimitiveWorkloads

let arguments = CommandLine.arguments
if arguments.count == 2, arguments[1] == "record-sizes" {
    for (label, size) in RatchetWorkloads.recordSizes() { print("\(label): \(size) bytes") }
    exit(0)
}
if arguments.count == 2, arguments[1] == "envelope-sizes" {
    for line in EnvelopeWorkloads.sizeReport() { print(line) }
    exit(0)
}
if arguments.count == 2, arguments[1] == "list" {
    for workload in Workloads.all { print(workload.name) }
    exit(0)
}
guard arguments.count == 4, let iterations = Int(arguments[2]), let workload = Workloads.named(arguments[1]),
      arguments[3] == "wrapper" || arguments[3] == "direct"
else {
    print("usage: primitive-loop NAME ITERATIONS wrapper|direct, or primitive-loop list|record-sizes|envelope-sizes")
    exit(2)
}
let body = arguments[3] == "wrapper" ? workload.wrapper : workload.direct
for _ in 0..<iterations { body() }
