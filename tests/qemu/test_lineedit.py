"""The shell's line editor over the real serial line: cursor movement,
deletion, kill commands, history, completion. `shown` is the input line as
the terminal displays it after all the redraws; `out` is what the command
printed, so each test checks both the display and what actually ran."""
import pytest

import rayosvm
from rayosvm import BS, CTRL, DELETE, DOWN, END, HOME, LEFT, RIGHT, UP


def test_plain_line(shell):
    shown, out = shell.type("echo plain")
    assert (shown, out) == ("echo plain", ["plain"])


def test_left_arrow_fixes_a_typo_mid_line(shell):
    # "ecXo hi", four times Left puts the cursor after the X; Backspace
    # removes it and "h" goes in its place
    shown, out = shell.type("ecXo hi" + LEFT * 4 + BS + "h")
    assert shown == "echo hi"
    assert out == ["hi"]


def test_right_arrow(shell):
    shown, out = shell.type("echo ac" + LEFT + "b" + RIGHT + "d")
    assert (shown, out) == ("echo abcd", ["abcd"])


def test_arrows_stop_at_the_ends(shell):
    shown, out = shell.type("cho x" + LEFT * 20 + "e" + RIGHT * 20 + "y")
    assert (shown, out) == ("echo xy", ["xy"])


@pytest.mark.parametrize("key", [BS, "\x08"], ids=["DEL", "BS"])
def test_backspace(shell, key):
    shown, out = shell.type("echo helloo" + key)
    assert (shown, out) == ("echo hello", ["hello"])


def test_backspace_mid_line_and_at_start(shell):
    shown, out = shell.type("echo aXb" + LEFT + BS + HOME + BS)
    assert (shown, out) == ("echo ab", ["ab"])


@pytest.mark.parametrize("key", [DELETE, CTRL["d"]], ids=["ESC[3~", "Ctrl-D"])
def test_delete_under_cursor(shell, key):
    shown, out = shell.type("echo Zhello" + LEFT * 6 + key)
    assert (shown, out) == ("echo hello", ["hello"])


def test_delete_at_end_does_nothing(shell):
    shown, out = shell.type("echo end" + DELETE)
    assert (shown, out) == ("echo end", ["end"])


@pytest.mark.parametrize("home,end", [
    (HOME, END),
    (CTRL["a"], CTRL["e"]),
    ("\x1b[1~", "\x1b[4~"),
    ("\x1b[7~", "\x1b[8~"),
    ("\x1bOH", "\x1bOF"),
], ids=["ESC[H/F", "Ctrl-A/E", "ESC[1~/4~", "ESC[7~/8~", "ESC-O-H/F"])
def test_home_end(shell, home, end):
    shown, out = shell.type("cho mid" + home + "e" + end + "!")
    assert (shown, out) == ("echo mid!", ["mid!"])


def test_ctrl_b_ctrl_f(shell):
    shown, out = shell.type("echo ac" + CTRL["b"] + "b" + CTRL["f"] + "d")
    assert (shown, out) == ("echo abcd", ["abcd"])


def test_ctrl_u_kills_to_start(shell):
    shown, out = shell.type("garbage words" + CTRL["u"] + "echo u-ok")
    assert (shown, out) == ("echo u-ok", ["u-ok"])


def test_ctrl_u_mid_line_keeps_the_rest(shell):
    shown, out = shell.type("junk echo rest" + LEFT * 9 + CTRL["u"])
    assert (shown, out) == ("echo rest", ["rest"])


@pytest.mark.parametrize("typed,expect", [
    ("echo keep drop", "keep"),
    ("echo keep drop   ", "keep"),
    ("echo keep two words", "keep two"),
])
def test_ctrl_w_kills_previous_word(shell, typed, expect):
    shown, out = shell.type(typed + CTRL["w"])
    assert out == [expect]
    assert shown.rstrip() == "echo " + expect


def test_ctrl_k_kills_to_end(shell):
    shown, out = shell.type("echo keep tail" + LEFT * 5 + CTRL["k"])
    assert out == ["keep"]


def test_ctrl_c_abandons_the_line(shell):
    shell.send("echo must-not-run" + CTRL["c"])
    raw = shell.wait_prompt()
    assert b"^C" in raw
    assert "must-not-run" not in "\n".join(rayosvm.render(raw.split(b"^C", 1)[1]))
    assert shell.cmd("echo after-ctrl-c") == "after-ctrl-c"


def test_ctrl_l_redraws(shell):
    shown, out = shell.type("echo cl" + CTRL["l"] + "s")
    assert (shown, out) == ("echo cls", ["cls"])


def test_history_up_reruns_previous_commands(shell):
    assert shell.cmd("echo hist-one") == "hist-one"
    assert shell.cmd("echo hist-two") == "hist-two"
    shown, out = shell.type(UP)
    assert (shown, out) == ("echo hist-two", ["hist-two"])
    # the re-run is now the newest entry (a repeat is not stored twice)
    shown, out = shell.type(UP + UP)
    assert (shown, out) == ("echo hist-one", ["hist-one"])


def test_history_down_and_back_to_the_new_line(shell):
    assert shell.cmd("echo h-a") == "h-a"
    assert shell.cmd("echo h-b") == "h-b"
    assert shell.cmd("echo h-c") == "h-c"
    shown, out = shell.type(UP * 3 + DOWN)
    assert (shown, out) == ("echo h-b", ["h-b"])
    # down past the newest entry gives back the line being typed
    shown, out = shell.type("echo typed" + UP + UP + DOWN + DOWN)
    assert (shown, out) == ("echo typed", ["typed"])


def test_history_entry_can_be_edited(shell):
    assert shell.cmd("echo base") == "base"
    shown, out = shell.type(UP + "-edited")
    assert (shown, out) == ("echo base-edited", ["base-edited"])


def test_history_with_ctrl_p_ctrl_n(shell):
    assert shell.cmd("echo p-1") == "p-1"
    assert shell.cmd("echo p-2") == "p-2"
    shown, out = shell.type(CTRL["p"] + CTRL["p"] + CTRL["n"])
    assert (shown, out) == ("echo p-2", ["p-2"])


def test_tab_completes_a_unique_prefix(shell):
    shell.send("upt\t")
    shell.wait_for(rb"uptime ")
    shown, out = shell.type("")
    assert shown == "uptime"
    assert out and out[0].startswith("up "), out


def test_tab_completion_inserts_trailing_space(shell):
    shown, out = shell.type("ech\thi")
    assert (shown, out) == ("echo hi", ["hi"])


def test_tab_lists_an_ambiguous_prefix(shell, commands):
    expected = sorted(c for c in commands if c.startswith("c"))
    assert len(expected) >= 2, commands
    shell.send("c\t")
    shell.wait_for(rb"\n\rrayos> c")      # listed, then the line redrawn
    shell.send(CTRL["u"] + "echo listed\r")
    raw = shell.wait_prompt()
    lines = rayosvm.render(raw, [rayosvm.PROMPT.decode()])
    # the candidates are listed on their own line, then the line is redrawn
    listing = [ln for ln in lines if not ln.startswith("rayos>") and ln.split()
               and all(w in commands for w in ln.split())]
    assert listing, lines
    assert sorted(listing[0].split()) == expected
    assert lines[-2:] == ["listed", "rayos>"]


def test_tab_with_no_match_rings_the_bell(shell):
    shell.send("zzq\t")
    shell.wait_for(rb"\x07")
    shown, out = shell.type(CTRL["u"] + "echo no-match")
    assert out == ["no-match"]


def test_unknown_escape_sequences_are_swallowed(shell):
    # F5, Ctrl-Right, Alt-x: none may insert text
    shown, out = shell.type("echo a" + "\x1b[15~" + "\x1b[1;5C" + "\x1bx" + "b")
    assert (shown, out) == ("echo ab", ["ab"])


def test_crlf_and_lf_end_a_line_once(shell):
    shell.send("echo crlf\r\n")
    raw = shell.wait_prompt()
    assert rayosvm.split_exchange(raw)[1] == ["crlf"]
    shell.send("echo lf\n")
    raw = shell.wait_prompt()
    assert rayosvm.split_exchange(raw)[1] == ["lf"]
    # the LF of the CRLF must not have produced an extra empty prompt
    shell.drain(0.3)
    assert rayosvm.PROMPT not in bytes(shell.transcript[shell.mark:])
