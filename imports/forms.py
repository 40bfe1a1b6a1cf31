"""The import pages' forms: the file to import, and the matching of its columns to the desk's fields."""

from typing import Any

from django import forms
from django.conf import settings

from imports.cells import shown
from imports.kinds import Kind
from imports.reading import megabytes


class ImportFileForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # an empty file is refused by the reading, in its words
        label="File (CSV or XLSX)",
        help_text=(
            f"A CSV (comma- or semicolon-separated, UTF-8 or Windows-1252) or an Excel .xlsx workbook, at most "
            f"{megabytes(settings.IMPORT_MAX_FILE_BYTES)}. The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {megabytes(upload.size)}; one import reads at most "
                f"{megabytes(settings.IMPORT_MAX_FILE_BYTES)}. Split the list into smaller files."
            )
        return upload


class ColumnsForm(forms.Form):
    """One choice per column of the file: which of the desk's fields it fills, or none."""

    def __init__(self, *args: Any, kind: Kind, headers: list[str], first_row: list[Any], columns: dict, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", "Leave this column out")] + [
            (column.field, f"{column.header}{' (needed)' if column.required else ''}") for column in kind.columns
        ]
        for index, header in enumerate(headers):
            sample = shown(first_row[index]) if index < len(first_row) and first_row[index] not in (None, "") else ""
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=columns.get(header, ""),
                help_text=f"First row: {sample}" if sample else "Blank in the first row",
            )

    def columns(self) -> dict[str, str]:
        return {header: self.cleaned_data.get(f"column_{index}", "") for index, header in enumerate(self.headers)}

    def field_name(self, header: str) -> str:
        return f"column_{self.headers.index(header)}" if header in self.headers else ""
