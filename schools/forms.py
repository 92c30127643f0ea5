from django import forms

from schools.models import Hub, School


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "urn"]
        help_texts = {"urn": "The school's unique reference number (6 or 7 digits)."}

    def __init__(self, *args, hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub

    def clean_urn(self):
        urn = self.cleaned_data["urn"].strip()
        clash = School.objects.filter(hub=self.hub, urn=urn).exclude(pk=self.instance.pk).first()
        if clash:
            raise forms.ValidationError(f"{clash.name} already has URN {urn} in this hub.")
        return urn

    def save(self, commit=True):
        self.instance.hub = self.hub
        return super().save(commit)


class HubSettingsForm(forms.ModelForm):
    class Meta:
        model = Hub
        fields = ["name", "contact_email"]
        labels = {"name": "Hub name"}
