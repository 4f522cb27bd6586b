"""Province staff mark an overlap or duplicate case as reviewed, with their conclusion."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import can_approve

from ..models import CaseReview
from ..text import clean_text


@transaction.atomic
def case_review_save(*, actor, case, comment: str) -> CaseReview:
    """Record (or revise) the review of `case` (a selectors.Case): who, when, the comment, and what the case
    held at that moment. Reviewing belongs to the province, like approving: `can_approve` on the case's unit."""
    if not can_approve(actor, case.unit):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh ghi kết quả rà soát trùng lặp."))
    comment = clean_text(comment)
    if not comment:
        raise ValidationError(
            {"comment": _("Phải ghi kết luận rà soát (ví dụ: đã thu hồi phần vượt, hoặc là hai hộ khác nhau).")}
        )
    if len(comment) > 1000:
        raise ValidationError({"comment": _("Kết luận dài quá 1000 ký tự.")})
    review = CaseReview.objects.select_for_update().filter(case_key=case.key).first() or CaseReview(case_key=case.key)
    review.case_type = case.case_type
    review.unit = case.unit
    review.signature = case.signature
    review.comment = comment
    review.reviewed_by = actor
    review.reviewed_at = timezone.now()
    review._history_user = actor
    review.save()
    return review
