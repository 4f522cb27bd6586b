"""Test-only: what the served portal of the fault tests needs beyond the reference data, written through the services.

Run by tests/faults/conftest.py as `python -m tests.faults.seed` with the portal's environment, after migrate and
load_reference_data: a district officer of Ba Bể (061) with a known password and an API token, an administrator, and Ba Bể's 2024
capital with a disbursement, so that a report can be asked for. Prints what the tests need as JSON.
"""

import datetime
import json
import os
import sys

import django


def main() -> None:
    django.setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from disbursement import services as ledger
    from ethnic_portal import clock
    from geography.models import AdministrativeUnit
    from programs.models import Project, SubProject

    password = os.environ["FAULTS_PASSWORD"]

    def unit(code, current=False):
        return AdministrativeUnit.objects.get(code=code, valid_from=datetime.date(2025, 7, 1) if current else None)

    def user(username, role, code, current=False):
        account = User(username=username, full_name=f"Cán bộ thử {username}", role=role, unit=unit(code, current))
        account.set_password(password)
        account.save()
        return account

    province = user("tinh.faults", "province", "06")
    officer = user("huyen.faults", "district", "061")
    admin = user("quantri.faults", "admin", "19", current=True)  # reads the system status page
    with clock.as_of(datetime.date(2024, 7, 15)):
        allocation = ledger.allocation_create(
            actor=province,
            year=2024,
            project=Project.objects.get(code="DA4", program__phase=1),
            subproject=SubProject.objects.get(code="DA4.TDA1"),
            unit=unit("061"),
            capital_type="investment",
            source="central",
            origin_year=2024,
            amount=1_234_567_891,
            decision_no="35/QĐ-UBND",
            decision_date=datetime.date(2024, 1, 22),
            decision_body="UBND tỉnh Bắc Kạn",
        )
        ledger.disbursement_create(
            actor=province, allocation=allocation, date=datetime.date(2024, 4, 2), amount=234_567_891, voucher_no="KB-1"
        )
    json.dump(
        {
            "username": officer.username,
            "admin": admin.username,
            "token": Token.objects.create(user=officer).key,
            "unit_pk": officer.unit_id,
            "allocation": allocation.pk,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
