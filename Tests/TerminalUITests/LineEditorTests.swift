import Foundation
import XCTest
@testable import TerminalUI

final class LineEditorTests: XCTestCase {
    func testInsertAndMove() {
        var editor = LineEditor("helo")
        editor.moveLeft()
        editor.insert("l")
        XCTAssertEqual(editor.text, "hello")
        XCTAssertEqual(editor.cursor, 4)
        editor.moveHome(); XCTAssertEqual(editor.cursor, 0)
        editor.moveLeft(); XCTAssertEqual(editor.cursor, 0)
        editor.moveEnd(); editor.moveRight(); XCTAssertEqual(editor.cursor, 5)
    }

    func testWordMotion() {
        var editor = LineEditor("one two, three")
        editor.moveWordLeft(); XCTAssertEqual(editor.cursor, 9)
        editor.moveWordLeft(); XCTAssertEqual(editor.cursor, 4)
        editor.moveWordRight(); XCTAssertEqual(editor.cursor, 7)
        editor.moveWordRight(); XCTAssertEqual(editor.cursor, 14)
    }

    func testKillAndYank() {
        var editor = LineEditor("say hello world")
        editor.killWordBackward()
        XCTAssertEqual(editor.text, "say hello ")
        XCTAssertEqual(editor.killBuffer, "world")
        editor.moveHome()
        editor.yank()
        XCTAssertEqual(editor.text, "worldsay hello ")
        editor.moveHome(); editor.moveWordRight()
        editor.killToEnd()
        XCTAssertEqual(editor.text, "worldsay")
        XCTAssertEqual(editor.killBuffer, " hello ")
        editor.killToStart()
        XCTAssertEqual(editor.text, "")
        XCTAssertEqual(editor.killBuffer, "worldsay")
        editor.set("alpha beta"); editor.moveHome()
        editor.killWordForward()
        XCTAssertEqual(editor.text, " beta")
    }

    func testDeleteAndTranspose() {
        var editor = LineEditor("abc")
        editor.deleteBackward(); XCTAssertEqual(editor.text, "ab")
        editor.moveHome(); editor.deleteForward(); XCTAssertEqual(editor.text, "b")
        editor.set("ab"); editor.transpose(); XCTAssertEqual(editor.text, "ba")
    }

    func testViewportKeepsTheCursorVisibleAndShowsLineBreaks() {
        let editor = LineEditor("0123456789abcdef")
        let view = editor.viewport(columns: 8)
        XCTAssertEqual(view.cursorColumn, 7)
        XCTAssertTrue(view.text.hasSuffix("9abcdef"))
        XCTAssertEqual(LineEditor("a\nb").viewport(columns: 10).text, "a↵b")
        XCTAssertEqual(LineEditor("日本語").viewport(columns: 10).cursorColumn, 6)
    }
}

final class HistoryTests: XCTestCase {
    var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-history-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func testBrowsingKeepsTheDraft() {
        var history = History(file: nil)
        history.add("first"); history.add("second"); history.add("second")
        XCTAssertEqual(history.entries, ["first", "second"])
        XCTAssertEqual(history.previous(current: "draft"), "second")
        XCTAssertEqual(history.previous(current: "x"), "first")
        XCTAssertNil(history.previous(current: "x"))
        XCTAssertEqual(history.next(), "second")
        XCTAssertEqual(history.next(), "draft")
        XCTAssertNil(history.next())
    }

    func testReverseSearch() {
        var history = History(file: nil)
        for line in ["tell me a joke", "weather today", "another Joke please"] { history.add(line) }
        XCTAssertEqual(history.search("joke"), 2)
        XCTAssertEqual(history.search("joke", before: 2), 0)
        XCTAssertNil(history.search("joke", before: 0))
        XCTAssertNil(history.search(""))
    }

    func testPersistsMultiLineEntriesUnderXDGState() throws {
        let file = try XCTUnwrap(History.defaultFile(environment: ["XDG_STATE_HOME": directory.path]))
        XCTAssertEqual(file.path, directory.path + "/squeezechat/history")
        XCTAssertEqual(History.defaultFile(environment: ["HOME": "/home/x"])?.path, "/home/x/.local/state/squeezechat/history")
        var history = History(file: file, limit: 3)
        for line in ["one", "two\nlines", "back\\slash", "four"] { XCTAssertNil(history.add(line)) }
        let reloaded = History(file: file, limit: 3)
        XCTAssertEqual(reloaded.entries, ["two\nlines", "back\\slash", "four"])
    }

    func testAFailedSaveIsReportedNotThrown() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let blocker = directory.appendingPathComponent("file")
        try Data().write(to: blocker)
        var history = History(file: blocker.appendingPathComponent("history"))
        XCTAssertNotNil(history.add("hello"))
        XCTAssertEqual(history.entries, ["hello"])
    }
}
