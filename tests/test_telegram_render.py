"""Replies -> Bot API calls (pure)."""

from __future__ import annotations

from bot.adapters.telegram.render import (
    EMPTY_PROMPT,
    EditText,
    RemoveKeyboard,
    SendPhoto,
    SendText,
    keyboard,
    render,
    render_choice,
    split_text,
    utf16_len,
)
from bot.replies import Button, Card, Choices, Image, Text
from tests.fakes.telegram_api import parse_html


def rows(markup) -> list[list[str]]:
    return [[b.text for b in row] for row in markup.inline_keyboard]


def texts(calls) -> list[SendText]:
    assert all(isinstance(c, SendText) for c in calls)
    return [c for c in calls if isinstance(c, SendText)]


def test_plain_text_goes_without_a_parse_mode():
    assert render(Text("5 < 6 & <b>not bold</b>")) == [SendText("5 < 6 & <b>not bold</b>")]


def test_long_text_is_split_on_line_boundaries():
    lines = [f"line {n} " + "z" * 90 for n in range(100)]  # ≈ 10,000 characters
    parts = split_text("\n".join(lines), 4096)
    assert len(parts) == 3
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert all(p.startswith("line ") for p in parts)


def test_a_line_longer_than_a_message_is_cut_on_a_space_or_hard():
    words = " ".join(["word"] * 2000)
    parts = split_text(words, 4096)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == words
    solid = "x" * 10_000
    assert [len(p) for p in split_text(solid, 4096)] == [4096, 4096, 1808]


def test_telegram_counts_utf16_units_so_emoji_count_twice():
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = split_text(text, 4096)
    assert [utf16_len(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


def test_choices_put_buttons_in_rows_by_label_width():
    short = Choices("Pick", tuple(Button(n, f"p:{n}") for n in ("Mon", "Tue", "Wed", "Thu")))
    (call,) = texts(render(short))
    assert rows(call.keyboard) == [["Mon", "Tue", "Wed"], ["Thu"]]
    medium = Choices(
        "Pick",
        tuple(
            Button(n, f"p:{i}")
            for i, n in enumerate(("Acme Ltd", "Acme Trading", "Acme Holdings", "➕ New customer"))
        ),
    )
    (call,) = texts(render(medium))
    assert rows(call.keyboard) == [
        ["Acme Ltd", "Acme Trading"],
        ["Acme Holdings", "➕ New customer"],
    ]
    long = keyboard((Button("Globex Corporation Shanghai Branch", "a"), Button("No", "b")))
    assert rows(long) == [["Globex Corporation Shanghai Branch"], ["No"]]
    assert [b.callback_data for b in long.inline_keyboard[0]] == ["a"]


def test_cjk_labels_count_double():
    markup = keyboard(
        tuple(Button(n, n) for n in ("📝 记录", "💼 新商机", "🕘 历史", "华信电子有限公司"))
    )
    assert rows(markup) == [["📝 记录", "💼 新商机", "🕘 历史"], ["华信电子有限公司"]]


def test_choices_without_a_prompt_still_have_text():
    (call,) = texts(render(Choices("", (Button("OK", "ok"),))))
    assert call.text == EMPTY_PROMPT


def test_a_card_has_a_bold_title_and_everything_escaped():
    (call,) = texts(render(Card("🏢 A<B & Co", ("Notes: <i>x</i> & y",), (Button("Log", "lg:1"),))))
    assert call.parse_mode == "HTML"
    assert call.text == "<b>🏢 A&lt;B &amp; Co</b>\nNotes: &lt;i&gt;x&lt;/i&gt; &amp; y"
    text, entities = parse_html(call.text)  # what Telegram will show
    assert text == "🏢 A<B & Co\nNotes: <i>x</i> & y"
    assert entities == [{"type": "bold", "offset": 0, "length": 11}]
    assert rows(call.keyboard) == [["Log"]]


def test_a_long_card_is_split_with_the_buttons_on_the_last_part():
    card = Card("Tasks", tuple("task " + "q" * 200 for _ in range(50)), (Button("More", "m"),))
    calls = texts(render(card))
    assert len(calls) == 3
    assert calls[0].text.startswith("<b>Tasks</b>\n")
    assert [c.keyboard is not None for c in calls] == [False, False, True]
    assert all(utf16_len(parse_html(c.text)[0]) <= 4096 for c in calls)


def test_an_image_with_a_short_caption_is_one_call():
    assert render(Image(b"png", "Pipeline", "chart.png")) == [
        SendPhoto(b"png", "chart.png", "Pipeline")
    ]


def test_a_caption_over_1024_characters_overflows_into_a_message():
    caption = "\n".join(f"row {n}: " + "v" * 50 for n in range(40))
    photo, rest = render(Image(b"png", caption, "chart.png"))
    assert isinstance(photo, SendPhoto)
    assert isinstance(rest, SendText)
    assert utf16_len(photo.caption) <= 1024
    assert photo.caption + "\n" + rest.text == caption


def test_the_choice_edit_appends_the_escaped_label_and_drops_the_buttons():
    edit = render_choice("<b>🏢 A&lt;B</b>\nPick one", "R&D <team>")
    assert edit == EditText("<b>🏢 A&lt;B</b>\nPick one\n→ R&amp;D &lt;team&gt;")
    assert parse_html(edit.text)[0] == "🏢 A<B\nPick one\n→ R&D <team>"


def test_the_choice_edit_only_drops_the_buttons_when_it_cannot_show_the_choice():
    assert render_choice("", "Acme") == RemoveKeyboard()
    assert render_choice("Pick", "") == RemoveKeyboard()
    assert render_choice("x" * 4090, "Acme Ltd") == RemoveKeyboard()
    assert isinstance(render_choice("&amp;" * 4000, "A"), EditText)  # 4000 visible characters
