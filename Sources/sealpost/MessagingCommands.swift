import ArgumentParser
import Foundation
import SealpostClient
import SealpostWire

/// `sealpost send NAME TEXT`.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Send a text to a user (to every one of their devices).")

    @OptionGroup var options: VaultOptions
    @Argument(help: "The recipient's user name.") var name: String
    @Argument(help: "The text.") var text: String

    func run() async throws {
        let client = try await options.openClient()
        defer { Task { await client.close() } }
        // Anything a previous run left in the outbox goes first.
        await OutboxReport.flush(client, output: options.output)
        let id = try await client.send(text: text, to: name)
        for notice in await client.takeNotices() { EventPrinter(output: options.output).print(notice) }
        options.output.emit("sent to \(name) (message \(id))", ["to": name, "message": "\(id)"])
        await client.close()
    }
}

/// `sealpost receive`: what waits, once (over HTTP).
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "receive", abstract: "Receive what is waiting at the relay, then exit.")

    @OptionGroup var options: VaultOptions

    func run() async throws {
        let client = try await options.openClient()
        await OutboxReport.flush(client, output: options.output)
        for event in try await client.receivePending() { EventPrinter(output: options.output).print(event) }
        try await client.deleteExpiredMessages()
        await client.close()
    }
}

/// `sealpost listen`: prints messages as they arrive, until interrupted.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "listen", abstract: "Print messages as they arrive (Ctrl-C stops).")

    @OptionGroup var options: VaultOptions

    func run() async throws {
        let client = try await options.openClient()
        try await client.deleteExpiredMessages()
        let printer = EventPrinter(output: options.output)
        options.output.progress("listening as \(await client.userName) …")
        await client.listen { event in printer.print(event) }
        await client.close()
    }
}

/// `sealpost history NAME`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the conversation with a user, from the vault (works offline).")

    @OptionGroup var options: VaultOptions
    @Argument(help: "The user name.") var name: String

    func run() async throws {
        let client = try await options.openClient()
        try await client.deleteExpiredMessages()
        guard let account = try await client.contacts().first(where: { $0.name == name })?.accountID else {
            throw CLIError("no conversation with \(name)")
        }
        for item in try await client.history(with: account) {
            options.output.emit(
                "\(Output.time(item.entry.time))  " + Self.line(peer: name)(item),
                ["time": item.entry.time, "outgoing": item.entry.outgoing, "text": item.content.map { EventPrinter.summary($0.body) } ?? "",
                 "message": item.content.map { "\($0.messageID)" } ?? "", "delivered": item.delivered, "read": item.read])
        }
        await client.close()
    }

    /// `me: text ✓` / `peer: text`.
    static func line(peer: String) -> (ConversationItem) -> String {
        { item in
            let text = item.content.map { EventPrinter.summary($0.body) } ?? "(\(item.entry.body.count) bytes that do not parse)"
            let mark = item.read ? "  (read)" : item.delivered ? "  (delivered)" : item.entry.outgoing ? "  (sent)" : ""
            return "\(item.entry.outgoing ? "me" : peer): \(text)\(mark)"
        }
    }
}

/// How events and contents are shown.
struct EventPrinter: Sendable {
    let output: Output

    func print(_ event: ClientEvent) {
        switch event {
        case .message(let message):
            output.emit(
                "\(Output.time(message.receivedAt))  \(message.senderName): \(Self.summary(message.content.body))",
                ["event": "message", "from": message.senderName, "device": Int(message.sender.deviceID.value), "message": "\(message.content.messageID)",
                 "text": Self.summary(message.content.body), "receivedAt": message.receivedAt])
        case .unsupported(let from, let type):
            output.emit("a message of a newer kind (type \(type)) from \(from.accountID); update Sealpost to read it", ["event": "unsupported", "type": Int(type)])
        case .keyChanged(let account, let wasVerified):
            output.emit(
                wasVerified
                    ? "WARNING: the account key of verified contact \(account) changed. Compare the new safety number (`sealpost verify`) before sending."
                    : "notice: the account key of \(account) changed (re-registered, or someone in the middle). Compare the safety number.",
                ["event": "keyChanged", "account": "\(account)", "wasVerified": wasVerified])
        case .devicesChanged(let account, let devices):
            output.emit("notice: \(account) now has devices \(devices.map { "\($0)" }.joined(separator: ", "))", ["event": "devicesChanged", "account": "\(account)"])
        case .newContact(let account, let name):
            output.emit("new contact \(name) (account \(account))", ["event": "newContact", "account": "\(account)"])
        case .undecryptable(let reason):
            output.emit("an envelope could not be opened: \(reason)", ["event": "undecryptable", "reason": reason])
        case .notDelivered(let account, let reason):
            output.emit("a message to \(account) was not delivered: \(reason)", ["event": "notDelivered", "account": "\(account)", "reason": reason])
        case .connectionLost(let reason, let retry):
            output.emit("connection to the relay lost (\(reason)); retrying in \(retry) s", ["event": "connectionLost", "retryInSeconds": retry])
        }
    }

    static func summary(_ body: ContentBody) -> String {
        switch body {
        case .text(let text): text.printable
        case .binary(let type, let data): "[\(type.printable), \(data.count) bytes]"
        case .deliveryReceipt(let ids): "[delivered: \(ids.count) message\(ids.count == 1 ? "" : "s")]"
        case .readReceipt(let ids): "[read: \(ids.count) message\(ids.count == 1 ? "" : "s")]"
        case .syncTranscript(let transcript): "[sent from another device to \(transcript.recipient): \(summary(transcript.content.body))]"
        case .disappearingTimer(let seconds): seconds == 0 ? "[disappearing messages off]" : "[messages disappear after \(seconds) s]"
        case .decryptionError: "[could not decrypt a message: asks to start over]"
        case .unknown(let type, _): "[a message of a newer kind, type \(type)]"
        }
    }
}

/// Flushing the outbox without letting one stuck message stop the command.
enum OutboxReport {
    static func flush(_ client: SealpostClient, output: Output) async {
        do {
            try await client.flushOutbox()
        } catch {
            let waiting = (try? client.vault.outbox().count) ?? 0
            output.emit("\(waiting) message part\(waiting == 1 ? "" : "s") still wait in the outbox: \(error)", ["event": "outbox", "waiting": waiting, "reason": "\(error)"])
        }
        for notice in await client.takeNotices() { EventPrinter(output: output).print(notice) }
    }
}
