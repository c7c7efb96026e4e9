import Foundation
import Testing
@testable import TerminalUI

@Suite struct LineEditorTests {
    @Test func insertAndMove() {
        var editor = LineEditor("helo")
        editor.moveLeft()
        editor.insert("l")
        #expect(editor.text == "hello")
        #expect(editor.cursor == 4)
        editor.moveHome(); #expect(editor.cursor == 0)
        editor.moveLeft(); #expect(editor.cursor == 0)
        editor.moveEnd(); editor.moveRight(); #expect(editor.cursor == 5)
    }

    @Test func wordMotion() {
        var editor = LineEditor("one two, three")
        editor.moveWordLeft(); #expect(editor.cursor == 9)
        editor.moveWordLeft(); #expect(editor.cursor == 4)
        editor.moveWordRight(); #expect(editor.cursor == 7)
        editor.moveWordRight(); #expect(editor.cursor == 14)
    }

    @Test func killAndYank() {
        var editor = LineEditor("say hello world")
        editor.killWordBackward()
        #expect(editor.text == "say hello ")
        #expect(editor.killBuffer == "world")
        editor.moveHome()
        editor.yank()
        #expect(editor.text == "worldsay hello ")
        editor.moveHome(); editor.moveWordRight()
        editor.killToEnd()
        #expect(editor.text == "worldsay")
        #expect(editor.killBuffer == " hello ")
        editor.killToStart()
        #expect(editor.text == "")
        #expect(editor.killBuffer == "worldsay")
        editor.set("alpha beta"); editor.moveHome()
        editor.killWordForward()
        #expect(editor.text == " beta")
    }

    @Test func deleteAndTranspose() {
        var editor = LineEditor("abc")
        editor.deleteBackward(); #expect(editor.text == "ab")
        editor.moveHome(); editor.deleteForward(); #expect(editor.text == "b")
        editor.set("ab"); editor.transpose(); #expect(editor.text == "ba")
    }

    @Test func viewportKeepsTheCursorVisibleAndShowsLineBreaks() {
        let editor = LineEditor("0123456789abcdef")
        let view = editor.viewport(columns: 8)
        #expect(view.cursorColumn == 7)
        #expect(view.text.hasSuffix("9abcdef"))
        #expect(LineEditor("a\nb").viewport(columns: 10).text == "a↵b")
        #expect(LineEditor("日本語").viewport(columns: 10).cursorColumn == 6)
    }
}

@Suite struct HistoryTests {
    /// A fresh folder per test (Swift Testing makes a new instance for each); each test removes it.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-history-\(UUID().uuidString)")

    @Test func browsingKeepsTheDraft() {
        var history = History(file: nil)
        history.add("first"); history.add("second"); history.add("second")
        #expect(history.entries == ["first", "second"])
        #expect(history.previous(current: "draft") == "second")
        #expect(history.previous(current: "x") == "first")
        #expect(history.previous(current: "x") == nil)
        #expect(history.next() == "second")
        #expect(history.next() == "draft")
        #expect(history.next() == nil)
    }

    @Test func reverseSearch() {
        var history = History(file: nil)
        for line in ["tell me a joke", "weather today", "another Joke please"] { history.add(line) }
        #expect(history.search("joke") == 2)
        #expect(history.search("joke", before: 2) == 0)
        #expect(history.search("joke", before: 0) == nil)
        #expect(history.search("") == nil)
    }

    @Test func persistsMultiLineEntriesUnderXDGState() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try #require(History.defaultFile(environment: ["XDG_STATE_HOME": directory.path]))
        #expect(file.path == directory.path + "/squeezechat/history")
        #expect(History.defaultFile(environment: ["HOME": "/home/x"])?.path == "/home/x/.local/state/squeezechat/history")
        var history = History(file: file, limit: 3)
        for line in ["one", "two\nlines", "back\\slash", "four"] { #expect(history.add(line) == nil) }
        let reloaded = History(file: file, limit: 3)
        #expect(reloaded.entries == ["two\nlines", "back\\slash", "four"])
    }

    @Test func aFailedSaveIsReportedNotThrown() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let blocker = directory.appendingPathComponent("file")
        try Data().write(to: blocker)
        var history = History(file: blocker.appendingPathComponent("history"))
        #expect(history.add("hello") != nil)
        #expect(history.entries == ["hello"])
    }
}

@Suite struct LineEditorLimitTests {
    @Test("kill and yank repeated cannot grow the line past its maximum")
    func killAndYankGrowthIsBounded() {
        var editor = LineEditor("ab cd ef")
        for _ in 0..<12 {
            editor.killWordBackward()
            editor.killToStart()
            for _ in 0..<8 { editor.yank() }
        }
        #expect(editor.characters.count <= LineEditor.maximumLength)
        #expect(editor.characters.count > LineEditor.maximumLength / 2, "the loop should reach the limit")
    }

    @Test("a megabyte paste fits whole")
    func megabytePasteFits() {
        var editor = LineEditor()
        editor.insert(String(repeating: "x", count: 1 << 20))
        #expect(editor.characters.count == 1 << 20)
        editor.insert("more")
        #expect(editor.characters.count == 1 << 20)
    }
}

extension LineEditorLimitTests {
    /// The viewport as first written: every width summed, then scrolled from the left.
    static func referenceViewport(_ characters: [Character], cursor: Int, columns: Int) -> (String, Int) {
        let columns = max(columns, 1)
        let widths = characters.map { DisplayWidth.of($0 == "\n" ? "↵" : $0) }
        var start = 0
        var before = widths[0..<cursor].reduce(0, +)
        while before >= columns, start < cursor { before -= widths[start]; start += 1 }
        var shown = "", used = 0
        for index in start..<characters.count {
            if used + widths[index] > columns { break }
            shown.append(characters[index] == "\n" ? "↵" : characters[index])
            used += widths[index]
        }
        return (shown, before)
    }

    @Test("the viewport, measured back from the cursor, equals measuring the whole line")
    func viewportMatchesTheWholeLineMeasure() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "b", " ", "中", "😀", "\u{301}", "\n", "\u{0}", "e\u{301}", "👍🏽"]
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            var editor = LineEditor(text)
            for _ in 0..<Int.random(in: 0...40, using: &generator) { editor.moveLeft() }
            let columns = Int.random(in: 0...12, using: &generator)
            let shown = editor.viewport(columns: columns)
            let expected = Self.referenceViewport(editor.characters, cursor: editor.cursor, columns: columns)
            #expect(shown.text == expected.0 && shown.cursorColumn == expected.1, "\(text.debugDescription) at \(editor.cursor), \(columns) columns")
        }
    }
}
