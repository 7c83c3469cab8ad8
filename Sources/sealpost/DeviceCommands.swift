import ArgumentParser
import Foundation
import SealpostClient
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// `sealpost devices`: this account's devices — list, link, add, remove.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "This account's devices: list them, link a new one, remove one.",
        subcommands: [ListDevicesCommand.self, LinkDeviceCommand.self, AddDeviceCommand.self, RemoveDeviceCommand.self],
        defaultSubcommand: ListDevicesCommand.self)
}

/// `sealpost devices list`.
struct ListDevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List this account's devices, as the relay lists them (checked against the account key).")

    @OptionGroup var options: VaultOptions

    func run() async throws {
        let client = try await options.openClient()
        for device in try await client.ownDevices() {
            options.output.emit(
                "device \(device.deviceID)\(device.isThisDevice ? " (this device)" : "")  since \(Output.time(device.createdAt))\(device.canReceive ? "" : "  (no envelope key yet)")",
                ["device": Int(device.deviceID.value), "thisDevice": device.isThisDevice, "createdAt": device.createdAt, "canReceive": device.canReceive])
        }
        await client.close()
    }
}

/// `sealpost devices link`: on the **new** device — show a code, wait for the account's device.
struct LinkDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "On a new device (a vault made with `init`): show a provisioning code, and join the account of the device that adds it.")

    @OptionGroup var options: VaultOptions
    @Option(help: "The relay's URL.") var relay: String
    @Option(help: "The six digits the other device shows, for scripts (otherwise asked).") var sas: String?
    @Option(help: "Give up after this many seconds.") var timeout = 600

    func run() async throws {
        let output = options.output
        let vault = try options.openVault()
        let request = try DeviceLinkRequest(endpoint: RelayEndpoint(url: relay))
        // The code is shown, for the other device to read; it is not written anywhere else.
        output.emit(
            "On a device of the account, run `sealpost devices add` and give it this code:\n  \(request.code.text)\nWaiting for it …",
            ["event": "code", "code": request.code.text])
        let shown = try await request.awaitAnswer(timeout: .seconds(timeout))
        output.emit("Both devices now show:  \(shown)   Confirm on the other device if they match.", ["event": "sas", "sas": shown])
        let expected = sas.map { $0.filter(\.isNumber) }
        let client = try await request.finish(vault: vault, timeout: .seconds(timeout)) { offer in
            if let expected { return expected == offer.shortAuthenticationString.filter(\.isNumber) }
            let name = offer.userName.isEmpty ? "\(offer.accountID)" : offer.userName
            FileHandle.standardError.write(Data(
                "Join the account of \(name) (\(offer.contacts) contacts, \(offer.messages) messages)? Only if the other device showed \(offer.shortAuthenticationString). [y/N] ".utf8))
            return readLine()?.lowercased().hasPrefix("y") == true
        }
        let address = await client.address
        let contacts = try await client.contacts().count
        await client.close()
        output.emit(
            "linked: account \(address.accountID), this is device \(address.deviceID) (\(contacts) contacts)",
            ["event": "linked", "account": "\(address.accountID)", "device": Int(address.deviceID.value), "contacts": contacts])
    }
}

/// `sealpost devices add CODE`: on a device of the account — link the new device showing CODE.
struct AddDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Link the new device that shows CODE to this account (compare the six digits both devices show).")

    @OptionGroup var options: VaultOptions
    @Argument(help: "The provisioning code the new device shows (SEALPOST-LINK-…); asked if not given (an argument is visible to other local users).") var code: String?
    @Flag(help: "Send the message history too.") var history = false
    @Option(help: "The six digits the new device shows, for scripts (otherwise asked).") var sas: String?
    @Option(help: "Give up after this many seconds.") var timeout = 300

    func run() async throws {
        let output = options.output
        guard let text = code ?? Terminal.readSecret("Provisioning code: ") else { throw CLIError("no provisioning code") }
        let parsed: ProvisioningCode
        do { parsed = try ProvisioningCode(text: text) } catch { throw CLIError("\(error)") }
        let expected = sas.map { $0.filter(\.isNumber) }
        let device = try await options.withClient { client in
            try await client.addDevice(code: parsed, includeHistory: history, timeout: .seconds(timeout)) { shown in
                let digits = shown.filter(\.isNumber)
                if let expected { return expected == digits }
                FileHandle.standardError.write(Data("The new device should show: \(shown)\nDo the digits match? [y/N] ".utf8))
                return readLine()?.lowercased().hasPrefix("y") == true
            }
        }
        output.emit(
            "added device \(device): it registers itself now; contacts see a new device, their safety numbers do not change",
            ["event": "added", "device": Int(device.value)])
    }
}

/// `sealpost devices remove ID`.
struct RemoveDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a device from the account: another one, or this device itself (unlinking it).")

    @OptionGroup var options: VaultOptions
    @Argument(help: "The device id (see `sealpost devices`).") var device: UInt32

    func run() async throws {
        guard let id = try? DeviceID(device) else { throw CLIError("\(device) is not a device id") }
        let address = try await options.withClient { client in
            try await client.removeDevice(id)
            return await client.address
        }
        options.output.emit(
            "removed device \(device)\(device == address.deviceID.value ? " (this device: its history stays readable here)" : ""): the relay deleted its mailbox; senders stop encrypting to it",
            ["removed": Int(device)])
    }
}
