"""The book of business's commands and buttons."""

from __future__ import annotations

from bot.router import Router, action, command
from handlers.book import fields, save, segments, tags
from handlers.book.actions import (
    DeleteField,
    DeleteSegment,
    DeleteTag,
    EditField,
    KeepIt,
    ManageSegments,
    PickChoice,
    RenameSegment,
    RunBuiltin,
    RunSegment,
    SaveSegment,
    SegmentMenu,
    TagDimensionFor,
    ToggleTag,
)
from handlers.common.actions import FieldsFor, TagsFor


def routes() -> Router:
    router = Router()
    router.add(command("segment"), segments.segment_command)
    router.add(command("segments"), segments.segment_command)
    router.add(command("tag"), tags.tag_command)
    router.add(command("tags"), tags.tags_command)
    router.add(command("field"), fields.field_command)
    router.add(action(RunSegment), segments.on_run)
    router.add(action(RunBuiltin), segments.on_builtin)
    router.add(action(SaveSegment), save.on_save)
    router.add(action(ManageSegments), segments.on_manage)
    router.add(action(SegmentMenu), segments.on_menu)
    router.add(action(RenameSegment), save.on_rename)
    router.add(action(DeleteSegment), segments.on_delete)
    router.add(action(TagsFor), tags.on_tags_for)
    router.add(action(TagDimensionFor), tags.on_dimension)
    router.add(action(ToggleTag), tags.on_toggle)
    router.add(action(DeleteTag), tags.on_delete)
    router.add(action(KeepIt), tags.on_keep)
    router.add(action(FieldsFor), fields.on_fields_for)
    router.add(action(EditField), fields.on_edit)
    router.add(action(PickChoice), fields.on_pick)
    router.add(action(DeleteField), fields.on_remove)
    return router
