from django.contrib import admin

from cityloop.intelligence.models import KnowledgeArticle


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "valid_from", "valid_to", "active")
    list_filter = ("active", "category")
    search_fields = ("title", "question", "answer")
    autocomplete_fields = ("category",)
