// A few plain C functions over ncursesw, for Swift: curses.h is mostly macros (COLOR_PAIR,
// getmaxyx, KEY_*) and mutable globals (stdscr, LINES, COLS) that Swift cannot import under
// strict concurrency. Every function here runs on the UI thread only.
#ifndef C_TERMINAL_SHIM_H
#define C_TERMINAL_SHIM_H

/// What `tui_read` returned.
enum TUIEventKind {
    TUI_EVENT_NONE = 0,        ///< timeout, nothing read
    TUI_EVENT_CHAR = 1,        ///< a Unicode scalar (control characters included) in *value
    TUI_EVENT_KEY = 2,         ///< a function key: one of TUIKey in *value
    TUI_EVENT_RESIZE = 3,      ///< the window changed size (SIGWINCH)
    TUI_EVENT_PASTE_BEGIN = 4, ///< bracketed paste started (ESC [ 200 ~)
    TUI_EVENT_PASTE_END = 5,   ///< bracketed paste ended (ESC [ 201 ~)
    TUI_EVENT_WHEEL_UP = 6,
    TUI_EVENT_WHEEL_DOWN = 7,
};

/// Function keys, independent of curses' KEY_* numbering.
enum TUIKey {
    TUI_KEY_OTHER = 0, TUI_KEY_UP, TUI_KEY_DOWN, TUI_KEY_LEFT, TUI_KEY_RIGHT, TUI_KEY_HOME, TUI_KEY_END,
    TUI_KEY_PAGE_UP, TUI_KEY_PAGE_DOWN, TUI_KEY_BACKSPACE, TUI_KEY_DELETE, TUI_KEY_ENTER,
};

/// Styles the screen code asks for; the shim maps them to colour pairs or, without colour, to attributes.
enum TUIStyle {
    TUI_STYLE_NORMAL = 0, TUI_STYLE_USER, TUI_STYLE_BOT, TUI_STYLE_BADGE, TUI_STYLE_STATUS, TUI_STYLE_ERROR,
    TUI_STYLE_POSITIVE, TUI_STYLE_NEGATIVE, TUI_STYLE_NEUTRAL, TUI_STYLE_HIGHLIGHT, TUI_STYLE_INFO,
    TUI_STYLE_COUNT
};

/// Sets the locale, starts curses (raw, no echo, keypad, short ESC delay), colours unless
/// `use_color` is 0, wheel events, bracketed paste, and restores the terminal on exit, SIGINT,
/// SIGTERM and SIGHUP. Returns 0 on success.
int tui_start(int use_color);
/// Decodes keys from the file descriptor `in_fd` (a pipe) with the same settings as `tui_start`,
/// on a screen that writes nowhere, so tests and fuzzers can feed `tui_read` raw bytes. Opens once
/// per process (later calls return 0 and keep the first stream). Returns 0 on success.
int tui_open_input_stream(int in_fd);
/// Restores the terminal (bracketed paste off, endwin). Safe to call more than once.
void tui_stop(void);
int tui_rows(void);
int tui_cols(void);
/// Waits up to `timeout_ms` (negative: forever, 0: poll) for one event.
int tui_read(int timeout_ms, unsigned int *value);
void tui_erase(void);
/// Writes UTF-8 text at row y, column x in a style; the caller clips to the width.
void tui_put(int y, int x, const char *utf8, int style);
/// Paints row y from column x to the right edge with spaces in a style.
void tui_fill(int y, int x, int style);
void tui_cursor(int y, int x, int visible);
void tui_refresh(void);
/// Repaints the whole terminal on the next refresh (Ctrl-L).
void tui_redraw(void);

#endif
