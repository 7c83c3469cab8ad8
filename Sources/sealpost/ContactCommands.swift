import ArgumentParser
import Foundation
import SealpostClient
import SealpostVault
import SealpostWire

/// `sealpost contacts`: lists contacts; `--add NAME` adds one by user name.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "contacts", abstract: "List contacts, or add one by user name.")

    @OptionGroup var options: VaultOptions
    @Option(help: "Add the user with this name (pins their account key on first use).") var add: String?

    func run() async throws {
        let client = try await options.openClient()
        if let add {
            let contact = try await client.addContact(named: add)
            options.output.emit("added \(contact.name) (account \(contact.accountID))", ["added": contact.name, "account": "\(contact.accountID)"])
        }
        for contact in try await client.contacts() {
            let state = contact.isVerified ? "verified" : contact.verifiedAccountKey != nil ? "KEY CHANGED since verification" : "not verified"
            let devices = contact.deviceList?.devices.count ?? 0
            let timer = contact.disappearAfterSeconds == 0 ? "" : ", messages disappear after \(contact.disappearAfterSeconds) s"
            options.output.emit(
                "\(contact.name)  account \(contact.accountID)  \(devices) device\(devices == 1 ? "" : "s")  \(state)\(timer)",
                ["name": contact.name, "account": "\(contact.accountID)", "devices": devices, "verified": contact.isVerified,
                 "disappearAfterSeconds": Int(contact.disappearAfterSeconds)])
        }
        await client.close()
    }
}

/// `sealpost verify NAME`: shows the safety number; `--confirm` records that it matched.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", 
        abstract: "Show the safety number with a contact; compare it with theirs (in person, or on a call).")

    @OptionGroup var options: VaultOptions
    @Argument(help: "The contact's user name.") var name: String
    @Flag(help: "Record that the numbers matched (the contact becomes verified).") var confirm = false
    @Flag(help: "Accept a verified contact's changed key without comparing (the contact becomes unverified).") var acceptChange = false

    func run() async throws {
        let client = try await options.openClient()
        guard let contact = try await client.contacts().first(where: { $0.name == name }) else { throw CLIError("\(name) is not a contact") }
        let number = try await client.safetyNumber(for: contact.accountID)
        let groups = stride(from: 0, to: number.digits.count, by: 5).map { start -> String in
            let from = number.digits.index(number.digits.startIndex, offsetBy: start)
            return String(number.digits[from..<number.digits.index(from, offsetBy: 5)])
        }
        let lines = stride(from: 0, to: groups.count, by: 4).map { groups[$0..<min($0 + 4, groups.count)].joined(separator: " ") }
        options.output.emit("safety number with \(name):\n  " + lines.joined(separator: "\n  "), ["name": name, "safetyNumber": number.digits])
        if confirm {
            try await client.markVerified(contact.accountID)
            options.output.emit("\(name) is now verified", ["verified": true])
        } else if acceptChange {
            try await client.acceptKeyChange(for: contact.accountID)
            options.output.emit("accepted \(name)'s new key; \(name) is not verified", ["verified": false])
        }
        await client.close()
    }
}
