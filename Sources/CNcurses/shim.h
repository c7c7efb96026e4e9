// ncursesw with its wide-character API. Swift code does not import this module directly: the
// macros and mutable globals of curses.h are reached through CTerminalShim's plain functions.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <curses.h>
