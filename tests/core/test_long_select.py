"""The long drop-down (every client) writes the options Django's own Select would, escaped, the chosen one selected."""

import re

from django import forms

from core.fields import LongSelect

CHOICES = [("", "All clients"), (1, 'Zoë "&" <Co>'), (2, "Acme"), (3, "Globex")]


class Filters(forms.Form):
    fast = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None, widget=LongSelect)
    plain = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None, help_text="Any.")

    def __init__(self, data):
        super().__init__(data)
        self.fields["fast"].choices = self.fields["plain"].choices = CHOICES


def options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>[^<]*</option>", html)


def test_the_options_are_django_s_own_escaped_with_the_chosen_one_selected():
    form = Filters({"fast": "2", "plain": "2"})
    fast, plain = str(form["fast"]), str(form["plain"])

    assert options(fast) == options(plain)
    assert '<option value="2" selected>Acme</option>' in fast
    assert "Zoë &quot;&amp;&quot; &lt;Co&gt;" in fast


def test_the_select_keeps_its_name_id_and_the_attributes_the_form_gives_it():
    form = Filters({"fast": "nine"})
    assert not form.is_valid()
    fast = str(form["fast"])

    assert fast.startswith("<select") and fast.endswith("</select>")
    assert 'name="fast"' in fast and 'id="id_fast"' in fast
    assert 'aria-invalid="true"' in fast  # the refused value is marked, as Django marks its own widgets
    assert "selected" not in fast
