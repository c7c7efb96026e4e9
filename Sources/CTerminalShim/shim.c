#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include "CTerminalShim.h"

#define PASTE_BEGIN_CODE 0x1001
#define PASTE_END_CODE 0x1002

static volatile sig_atomic_t started = 0;
static int has_colour = 0;

static void write_string(const char *s) {
    ssize_t ignored = write(STDOUT_FILENO, s, strlen(s));
    (void)ignored;
}

void tui_stop(void) {
    if (!started) return;
    started = 0;
    write_string("\033[?2004l");
    endwin();
}

static void on_signal(int sig) {
    tui_stop();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int attr_for(int style) {
    if (style <= 0 || style >= TUI_STYLE_COUNT) return A_NORMAL;
    if (has_colour) {
        int attr = COLOR_PAIR(style);
        if (style == TUI_STYLE_USER || style == TUI_STYLE_HIGHLIGHT || style == TUI_STYLE_ERROR) attr |= A_BOLD;
        if (style == TUI_STYLE_STATUS) attr |= A_REVERSE;
        return attr;
    }
    switch (style) {
    case TUI_STYLE_USER: return A_BOLD;
    case TUI_STYLE_STATUS: return A_REVERSE;
    case TUI_STYLE_BADGE: return A_DIM;
    case TUI_STYLE_ERROR: return A_BOLD;
    case TUI_STYLE_POSITIVE: return A_BOLD;
    case TUI_STYLE_NEGATIVE: return A_UNDERLINE;
    case TUI_STYLE_HIGHLIGHT: return A_REVERSE;
    default: return A_NORMAL;
    }
}

/// Raw keys, no echo, keypad decoding, a short ESC delay, wheel events and the bracketed-paste keys.
static void configure_input(void) {
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
    define_key("\033[200~", PASTE_BEGIN_CODE);
    define_key("\033[201~", PASTE_END_CODE);
}

static void use_utf8_locale(void) {
    setlocale(LC_ALL, "");
    // Wide characters need a UTF-8 locale; fall back to C.UTF-8 when the environment names none.
    if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0) setlocale(LC_CTYPE, "C.UTF-8");
}

int tui_start(int use_color) {
    use_utf8_locale();
    if (initscr() == NULL) return -1;
    started = 1;
    atexit(tui_stop);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    configure_input();
    if (use_color && has_colors()) {
        start_color();
        use_default_colors();
        has_colour = 1;
        init_pair(TUI_STYLE_USER, COLOR_CYAN, -1);
        init_pair(TUI_STYLE_BOT, COLOR_GREEN, -1);
        init_pair(TUI_STYLE_BADGE, COLOR_YELLOW, -1);
        init_pair(TUI_STYLE_STATUS, COLOR_BLUE, COLOR_WHITE);
        init_pair(TUI_STYLE_ERROR, COLOR_RED, -1);
        init_pair(TUI_STYLE_POSITIVE, COLOR_GREEN, -1);
        init_pair(TUI_STYLE_NEGATIVE, COLOR_RED, -1);
        init_pair(TUI_STYLE_NEUTRAL, COLOR_WHITE, -1);
        init_pair(TUI_STYLE_HIGHLIGHT, COLOR_BLACK, COLOR_YELLOW);
        init_pair(TUI_STYLE_INFO, COLOR_MAGENTA, -1);
    }
    write_string("\033[?2004h");
    return 0;
}

static SCREEN *stream_screen = NULL;

int tui_open_input_stream(int in_fd) {
    if (stream_screen != NULL) return 0;
    // Only the character type: a test process's number formatting stays as it was.
    if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0) setlocale(LC_CTYPE, "C.UTF-8");
    FILE *in = fdopen(in_fd, "r");
    FILE *out = fopen("/dev/null", "w");
    if (in == NULL || out == NULL) return -1;
    stream_screen = newterm("xterm-256color", out, in);
    if (stream_screen == NULL) return -1;
    set_term(stream_screen);
    configure_input();
    return 0;
}

int tui_rows(void) { int rows, cols; getmaxyx(stdscr, rows, cols); (void)cols; return rows; }
int tui_cols(void) { int rows, cols; getmaxyx(stdscr, rows, cols); (void)rows; return cols; }

int tui_read(int timeout_ms, unsigned int *value) {
    wint_t ch = 0;
    *value = 0;
    wtimeout(stdscr, timeout_ms);
    int result = wget_wch(stdscr, &ch);
    if (result == ERR) return TUI_EVENT_NONE;
    if (result == OK) { *value = (unsigned int)ch; return TUI_EVENT_CHAR; }
    switch (ch) {
    case KEY_RESIZE: return TUI_EVENT_RESIZE;
    case PASTE_BEGIN_CODE: return TUI_EVENT_PASTE_BEGIN;
    case PASTE_END_CODE: return TUI_EVENT_PASTE_END;
    case KEY_MOUSE: {
        MEVENT event;
        if (getmouse(&event) != OK) return TUI_EVENT_NONE;
        if (event.bstate & BUTTON4_PRESSED) return TUI_EVENT_WHEEL_UP;
        if (event.bstate & BUTTON5_PRESSED) return TUI_EVENT_WHEEL_DOWN;
        return TUI_EVENT_NONE;
    }
    case KEY_UP: *value = TUI_KEY_UP; break;
    case KEY_DOWN: *value = TUI_KEY_DOWN; break;
    case KEY_LEFT: *value = TUI_KEY_LEFT; break;
    case KEY_RIGHT: *value = TUI_KEY_RIGHT; break;
    case KEY_HOME: *value = TUI_KEY_HOME; break;
    case KEY_END: *value = TUI_KEY_END; break;
    case KEY_PPAGE: *value = TUI_KEY_PAGE_UP; break;
    case KEY_NPAGE: *value = TUI_KEY_PAGE_DOWN; break;
    case KEY_BACKSPACE: *value = TUI_KEY_BACKSPACE; break;
    case KEY_DC: *value = TUI_KEY_DELETE; break;
    case KEY_ENTER: *value = TUI_KEY_ENTER; break;
    default: *value = TUI_KEY_OTHER; break;
    }
    return TUI_EVENT_KEY;
}

void tui_erase(void) { werase(stdscr); }

void tui_put(int y, int x, const char *utf8, int style) {
    size_t length = strlen(utf8);
    wchar_t *wide = calloc(length + 1, sizeof(wchar_t));
    if (wide == NULL) return;
    size_t count = mbstowcs(wide, utf8, length + 1);
    int attr = attr_for(style);
    wattron(stdscr, attr);
    if (count == (size_t)-1) mvwaddstr(stdscr, y, x, utf8);
    else mvwaddnwstr(stdscr, y, x, wide, (int)count);
    wattroff(stdscr, attr);
    free(wide);
}

void tui_fill(int y, int x, int style) {
    int cols = tui_cols();
    int attr = attr_for(style);
    wattron(stdscr, attr);
    for (int column = x; column < cols; column++) mvwaddch(stdscr, y, column, ' ');
    wattroff(stdscr, attr);
}

void tui_cursor(int y, int x, int visible) {
    curs_set(visible ? 1 : 0);
    wmove(stdscr, y, x);
}

void tui_refresh(void) { wrefresh(stdscr); }

void tui_redraw(void) { clearok(stdscr, TRUE); }
