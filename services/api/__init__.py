"""The REST API under /api/v1: enterprises, gates and slots, fleet, bookings, the yard,
waiting yards, dispatch,
the statistics' open data."""

from litestar import Router

from services.api.accounts.applications import ApplicationController
from services.api.accounts.endpoints import EnterpriseController, SessionController
from services.api.accounts.people import PeopleController
from services.api.bookings.declarations import DeclarationController
from services.api.bookings.endpoints import BookingController
from services.api.bookings.no_shows import NoShowController, NoShowExcuseController
from services.api.bookings.rebooking import RebookingController
from services.api.cash.endpoints import CashController
from services.api.devices.endpoints import DeviceController
from services.api.dispatch.endpoints import DispatchController
from services.api.driver.endpoints import DriverLinkController
from services.api.fees.endpoints import FeeScheduleController
from services.api.fleet.endpoints import DriverController, VehicleController
from services.api.fleet.holders import GrantController, TransferController
from services.api.gates.endpoints import GateController
from services.api.gates.partner import PartnerController
from services.api.messages.endpoints import (
    DriverNotificationsController,
    MyNotificationsController,
)
from services.api.officers.endpoints import OfficerController
from services.api.payments.endpoints import PaymentNotificationController
from services.api.statements.endpoints import (
    AgreementController,
    AgreementEndController,
    EnterpriseStatementController,
    StatementController,
)
from services.api.statistics.endpoints import StatisticsController
from services.api.webhooks.endpoints import WebhookController
from services.api.yard.declarations import YardDeclarationController
from services.api.yard.endpoints import YardController
from services.api.yards.devices import YardDevicesController
from services.api.yards.endpoints import YardsController
from services.api.yards.visits import YardVisitsController

api_router = Router(
    path="/api/v1",
    route_handlers=[
        EnterpriseController,
        ApplicationController,
        PeopleController,
        SessionController,
        GateController,
        PartnerController,
        FeeScheduleController,
        VehicleController,
        DriverController,
        DriverNotificationsController,
        MyNotificationsController,
        GrantController,
        TransferController,
        BookingController,
        DeclarationController,
        RebookingController,
        NoShowController,
        NoShowExcuseController,
        DriverLinkController,
        DeviceController,
        OfficerController,
        YardController,
        CashController,
        YardDeclarationController,
        DispatchController,
        YardsController,
        YardDevicesController,
        YardVisitsController,
        WebhookController,
        StatisticsController,
        PaymentNotificationController,
        AgreementController,
        AgreementEndController,
        StatementController,
        EnterpriseStatementController,
    ],
)

__all__ = ["api_router"]
