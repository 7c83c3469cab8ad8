import ArgumentParser
import Foundation
import SealpostProtocol
import SealpostRelay
import SealpostWire

/// Reads a whole file, or fails with the path in the message.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return [UInt8](data)
}

/// Writes a file the operator carries between machines (no secret in it).
func writeFile(_ bytes: [UInt8], to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw ValidationError("cannot write \(path)") }
}

func unixNow() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

/// `sealpost-relay root …`: the operator root's side, on a machine that is not the relay.
struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operator root (run these on a machine kept offline, never on the relay).",
        subcommands: [Initialize.self, SignServerKey.self, Revoke.self])

    struct Initialize: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the operator root in --root DIR.")
        @Option(help: "Folder for the root (root.seed, root.public).") var root = "operator-root"
        func run() throws {
            let fingerprint = try OperatorAdministration.initializeRoot(in: URL(fileURLWithPath: root, isDirectory: true))
            say("operator root created in \(root)")
            say("fingerprint (give it to clients to pin): \(fingerprint)")
            say("copy \(root)/root.public to the relay: sealpost-relay keys trust-root --root-public FILE")
        }
    }

    struct SignServerKey: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Certify a server key from its request file.")
        @Option(help: "Folder of the root.") var root = "operator-root"
        @Option(help: "The request file from `sealpost-relay keys create`.") var request: String
        @Option(help: "Days the certificate is valid.") var days: UInt64 = 90
        @Option(help: "Where to write the certificate.") var out = "server-certificate"
        func run() throws {
            let parsed = try OperatorAdministration.CertificateRequest(serialized: try readFile(request))
            let certificate = try OperatorAdministration.signServerKey(root: URL(fileURLWithPath: root, isDirectory: true), request: parsed, now: unixNow(), days: days)
            try writeFile(certificate.serialized(), to: out)
            say("server key \(certificate.keyID) certified until \(certificate.notAfter); install it with: sealpost-relay keys install --certificate \(out)")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a revocation list naming every server key revoked so far.")
        @Option(help: "Folder of the root.") var root = "operator-root"
        @Option(name: .customLong("key-id"), help: "A revoked server key id (repeat for each).") var keyIDs: [UInt32]
        @Option(help: "The list's sequence number: above every earlier list's.") var sequence: UInt64
        @Option(help: "Where to write the list.") var out = "revocation-list"
        func run() throws {
            let list = try OperatorAdministration.revoke(root: URL(fileURLWithPath: root, isDirectory: true), keyIDs: keyIDs, sequence: sequence, now: unixNow())
            try writeFile(list.serialized(), to: out)
            say("revocation list \(sequence) revokes \(list.revokedKeyIDs.map(String.init).joined(separator: ", ")); install it with: sealpost-relay keys install-revocation --list \(out)")
        }
    }
}

/// `sealpost-relay keys …`: the relay's server signing keys.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The relay's server signing keys (the root only signs their certificates, elsewhere).",
        subcommands: [TrustRoot.self, Create.self, Install.self, InstallRevocation.self, List.self])

    struct TrustRoot: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install the operator root's public key (root.public).")
        @Option(help: "Folder for the stores and the operator keys.") var data = "relay-data"
        @Option(name: .customLong("root-public"), help: "The root.public file from the root's machine.") var rootPublic: String
        func run() throws {
            let fingerprint = try OperatorAdministration.trustRoot(operator: operatorFolder(data), rootPublic: try readFile(rootPublic))
            say("trusting operator root \(fingerprint)")
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a new server key and the request to certify it.")
        @Option(help: "Folder for the stores and the operator keys.") var data = "relay-data"
        @Option(help: "Where to write the certificate request.") var out = "server-key.request"
        func run() throws {
            let request = try OperatorAdministration.createServerKey(operator: operatorFolder(data))
            try writeFile(request.serialized(), to: out)
            say("server key \(request.keyID) created; carry \(out) to the root: sealpost-relay root sign-server-key --request \(out)")
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install the root's certificate for the pending server key (a rotation).")
        @Option(help: "Folder for the stores and the operator keys.") var data = "relay-data"
        @Option(help: "The certificate from `root sign-server-key`.") var certificate: String
        func run() throws {
            let parsed = try ServerCertificate(serialized: try readFile(certificate))
            try OperatorAdministration.installServerCertificate(operator: operatorFolder(data), certificate: parsed)
            say("server key \(parsed.keyID) installed; restart the relay to issue with it (the previous key's certificate is still served)")
        }
    }

    struct InstallRevocation: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install-revocation", abstract: "Install a root-signed revocation list.")
        @Option(help: "Folder for the stores and the operator keys.") var data = "relay-data"
        @Option(help: "The list from `root revoke`.") var list: String
        func run() throws {
            try OperatorAdministration.installRevocationList(operator: operatorFolder(data), list: try ServerKeyRevocationList(serialized: try readFile(list)))
            say("revocation list installed; restart the relay to serve it")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the root, the server keys and their windows.")
        @Option(help: "Folder for the stores and the operator keys.") var data = "relay-data"
        func run() throws {
            let keys = try OperatorKeys.load(directory: operatorFolder(data), development: false, now: unixNow())
            say("operator root \(keys.fingerprint)\(keys.isDevelopment ? " (DEVELOPMENT)" : "")")
            for certificate in keys.servedCertificates(now: unixNow()) {
                let current = certificate == keys.serverCertificate ? " (issuing)" : ""
                say("server key \(certificate.keyID)\(current): valid \(certificate.notBefore) to \(certificate.notAfter)")
            }
            if let list = keys.revocationList { say("revocation list \(list.sequence): \(list.revokedKeyIDs.map(String.init).joined(separator: ", "))") }
        }
    }
}

func operatorFolder(_ data: String) -> URL {
    URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("operator", isDirectory: true)
}

/// `sealpost-relay accounts delete`.
struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operator actions on accounts.", subcommands: [Delete.self, Reset.self])

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a one-time code with which a user who lost every device and the recovery key binds the account to a new account key.",
            discussion: "Check who the user is first, by your own means: the code lets its holder take the account over. Contacts are warned of the key change.")
        @Option(help: "Folder for the stores.") var data = "relay-data"
        @Argument(help: "The account id (32 hex digits).") var account: String
        func run() async throws {
            let code = try await Invites.directory(data).createReset(for: try AccountID(hex: account), now: unixNow())
            say("reset code for account \(account) (good for 7 days, once): \(code)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account, or one device, with everything stored for it (mailboxes included).")
        @Option(help: "Folder for the stores.") var data = "relay-data"
        @Argument(help: "The account id (32 hex digits).") var account: String
        @Option(help: "Only this device.") var device: UInt32?
        func run() async throws {
            let folder = URL(fileURLWithPath: data, isDirectory: true)
            let directory = try DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path)
            let mailboxes = try SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path)
            let accountID = try AccountID(hex: account)
            let deleted = try await directory.delete(accountID, device: try device.map { try DeviceID($0) })
            // The directory recorded the removals; carry them out (a serving relay retries any left).
            for address in try await directory.pendingMailboxRemovals() {
                try await mailboxes.removeMailbox(address)
                try await directory.completeMailboxRemoval(address)
            }
            say("deleted \(deleted.count) device(s)\(device == nil ? " and the account" : "")")
        }
    }
}

/// `sealpost-relay backup`: a consistent copy of both stores while the relay runs.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the stores consistently (SQLite VACUUM INTO) while the relay runs.")
    @Option(help: "Folder for the stores.") var data = "relay-data"
    @Option(help: "An empty or new folder for the copy.") var out: String
    func run() async throws {
        let folder = URL(fileURLWithPath: data, isDirectory: true)
        let target = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try await DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path).backup(to: target.appendingPathComponent("directory.sqlite").path)
        try await SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path).backup(to: target.appendingPathComponent("mailboxes.sqlite").path)
        say("copied the directory and the mailboxes to \(target.path) (the operator keys are not copied: back them up separately)")
    }
}

/// `sealpost-relay invites …`: codes for registration under the invite policy (`serve --invites`).
struct Invites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Invite codes for registration (serve --invites).", subcommands: [Create.self, List.self, Revoke.self])

    static func directory(_ data: String) throws -> DirectoryStore {
        try DirectoryStore(path: URL(fileURLWithPath: data, isDirectory: true).appendingPathComponent("directory.sqlite").path)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an invite code (shown once; the relay keeps only its hash).")
        @Option(help: "Folder for the stores.") var data = "relay-data"
        @Option(help: "Registrations the code allows.") var uses = 1
        func run() async throws {
            let code = try await Invites.directory(data).createInvite(uses: uses, now: unixNow())
            say("invite code (for \(uses) registration\(uses == 1 ? "" : "s")): \(code)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List invites by id (a prefix of the code's hash).")
        @Option(help: "Folder for the stores.") var data = "relay-data"
        func run() async throws {
            for invite in try await Invites.directory(data).invites() { say("\(invite.id)  \(invite.usesLeft) use(s) left, created \(invite.createdAt)") }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an invite by the id `invites list` shows.")
        @Option(help: "Folder for the stores.") var data = "relay-data"
        @Argument(help: "The invite's id.") var id: String
        func run() async throws {
            say("revoked \(try await Invites.directory(data).revokeInvite(id: id)) invite(s)")
        }
    }
}
