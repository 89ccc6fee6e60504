// Ukrainian by default, English on a click: the UI's strings and number format.

const T = {
  uk: {
    logout: 'Вийти', login_title: 'Вхід', username: 'Користувач', password: 'Пароль', login: 'Увійти',
    tab_order: 'Розпорядження', tab_register: 'Реєстрація', tab_settlement: 'Населений пункт', tab_centres: 'Центри',
    tab_plan: 'План', tab_audit: 'Журнал', tab_users: 'Користувачі', draft_order: 'Проєкт розпорядження',
    issue: 'Видати розпорядження', issued_orders: 'Видані розпорядження', ordered_settlements: 'Населені пункти в зоні',
    settlement: 'Нас. пункт', zone: 'Зона', km: 'км', population: 'Населення', register_household: 'Реєстрація домогосподарства',
    head_name: 'ПІБ голови домогосподарства', members: 'Осіб', needs: 'Потреби', phone: 'Телефон', register: 'Зареєструвати',
    choose_settlement: 'Оберіть населений пункт на карті', households: 'Домогосподарства', centres: 'Пункти прийому',
    plan: 'План евакуації', audit: 'Журнал дій', when: 'Коли', who: 'Хто', action: 'Дія', target: "Об'єкт", users: 'Користувачі',
    add_user: 'Додати', mandatory: 'обов’язкова', advisory: 'рекомендована', outside: 'поза зоною', beyond_line: 'за лінією загрози (не евакуюються дорогами)',
    registered: 'зареєстровано', departed: 'виїхали', arrived: 'прибули', refused: 'відмовились', remaining: 'залишаються',
    returned: 'повернулись', print: 'друк', order_no: 'Розпорядження №', issued: 'Видано', saved: 'Збережено, №',
    duplicate: 'Можливий дублікат', depart: 'виїхав', arrive: 'прибув', refuse: 'відмова', free: 'вільно',
    wrong_login: 'Невірний користувач або пароль', clearance: 'Остання машина в безпеці', optimum: 'Оптимум',
    baseline: 'Без плану', bottlenecks: 'Вузькі місця', transit_done: 'Транспорт: остання людина в безпеці',
    cut_off_cars: 'НЕ В ЦЬОМУ ПЛАНІ — відрізані лінією (кожна дорога звідти йде за нею), авто', cut_off_people: 'НЕ В ЦЬОМУ ПЛАНІ — пункти збору, відрізані лінією, людей', cut_off_hint: 'потрібен інший шлях виїзду',
    no_plan: 'План ще не розраховано (evac up / evac plan).', legend_ordered: 'у зоні', legend_evacuating: 'евакуація триває',
    legend_cleared: 'евакуйовано', legend_refused: 'є відмови', legend_outside: 'поза зоною', vehicles: 'машин',
    disabled: 'вимкнено', disable: 'вимкнути', enable: 'увімкнути', reset_password: 'новий пароль', end_sessions: 'завершити сеанси',
    delete: 'видалити', confirm_delete: 'Видалити цей обліковий запис?', new_password: 'Новий пароль (показано один раз) для',
    tab_search: 'Пошук', tab_dashboard: 'Зведення', dashboard: 'Зведення по евакуації', offline: "Немає зв'язку",
    no_connection: "Немає зв'язку з сервером. Спробуйте пізніше.", type_to_find: 'Почніть вводити назву',
    no_match: 'Нічого не знайдено', hromada: 'громада', people_counts: 'Люди в домогосподарстві',
    c_people: 'Усього осіб', c_cannot_walk: 'Не можуть ходити', c_needs_oxygen: 'Потребують кисню', c_needs_bed: 'Лежачі (потрібне ліжко)',
    c_needs_escort: 'Потребують супроводу', c_children: 'Діти', c_pets: 'Тварини', less: 'менше', more: 'більше',
    need_wheelchair: 'інвалідний візок', need_stretcher: 'ноші', need_medical: 'медична допомога', need_children: 'діти',
    need_elderly: 'літні люди', need_pets: 'тварини', need_no_car: 'немає авто', need_hearing: 'порушення слуху',
    need_oxygen: 'кисень', need_bed: 'ліжко', need_escort: 'супровід',
    queued: 'Збережено на пристрої — очікує надсилання', outbox: 'Очікують надсилання', waiting: 'очікує надсилання',
    send_now: 'Надіслати зараз', sent: 'Надіслано', discard: 'Видалити', retry: 'Повторити', confirm_discard: 'Видалити цей запис з пристрою? Його не буде надіслано.',
    outbox_badge: 'Очікує: ', failed: 'Помилка', registration: 'Реєстрація', event_of: 'Подія', already_saved: 'Вже збережено раніше (повтор не створив копію)',
    find_household: 'Пошук домогосподарства', search_hint: "Прізвище, ім'я, телефон або документ", search_here: 'лише в обраному нас. пункті',
    search: 'Знайти', found: 'Знайдено', of_candidates: 'з кандидатів', search_unavailable: 'Пошук ще не підтримується сервером: показано домогосподарства нас. пункту, що містять запит.',
    choose_settlement_first: 'Спершу оберіть населений пункт', checked_in: 'на пункті збору', boarded: 'в транспорті', unreachable: "немає зв'язку",
    returned_status: 'повернулись', registered_status: 'зареєстровано', ev_checked_in: 'Прибув на пункт', ev_boarded: 'Посадка', ev_arrived: 'Прибув до центру',
    ev_refused: 'Відмова', ev_unreachable: "Не вдалося зв'язатися", ev_undo: 'Скасувати останнє', ev_departed: 'Виїхав', ev_returned: 'Повернувся',
    vehicle: 'Транспорт', trip: 'Рейс', reason: 'Причина', centre: 'Центр', confirm: 'Підтвердити', cancel: 'Скасувати',
    confirm_refused: 'Записати відмову від евакуації?', confirm_unreachable: "Записати, що зв'язатися не вдалося?", confirm_undo: 'Скасувати останню подію?',
    people_short: 'осіб', cannot_walk: 'не ходять', ordered: 'у розпорядженні', share: 'евакуйовано, %', totals: 'Разом', occupancy: 'зайнято',
    dash_fallback: 'Сервер ще не має зведення (/api/dashboard): показано дані з переліку населених пунктів.',
    legend_share: 'евакуйовано', settlements: 'нас. пунктів', households_n: 'домогосподарств',
    e_offline: "Немає зв'язку з сервером", e_unauthorized: 'Сеанс завершився, увійдіть знову', e_forbidden: 'Недостатньо прав',
    e_not_found: 'Не знайдено', e_invalid: 'Перевірте поля форми', e_conflict: 'Цей крок неможливий для поточного стану',
    e_precondition: 'Запис змінив хтось інший — оновіть і спробуйте знову', e_rate: 'Забагато запитів, зачекайте', e_unavailable: 'Сервер тимчасово недоступний',
    e_timeout: 'Сервер не встиг відповісти', e_too_large: 'Завеликий запит', e_server: 'Помилка сервера', e_identical_order: 'Таке саме розпорядження вже видано',
    e_unknown_event: 'Сервер ще не підтримує цю подію', e_duplicate: 'Можливий дублікат', e_wrong_login: 'Невірний користувач або пароль',
    e_disabled: 'Обліковий запис вимкнено', e_client_id: 'Неправильний ідентифікатор запису',
    f_settlement_id: 'Нас. пункт', f_head_name: "Ім'я", f_members: 'Осіб', f_needs: 'Потреби', f_phone: 'Телефон', f_kind: 'Подія', f_centre_id: 'Центр',
    fe_settlement_id: 'оберіть населений пункт зі списку', fe_head_name: 'вкажіть ПІБ (1–200 символів)', fe_members: 'від 1 до 50 осіб',
    fe_people: 'від 1 до 50 осіб', fe_phone: 'лише цифри, пробіли, + ( ) -', fe_needs: 'невідома потреба', fe_kind: 'невідома подія',
    fe_centre_id: 'оберіть центр', fe_client_id: 'неправильний ідентифікатор запису',
    e_bad_request: 'Неправильний запит', e_transition: 'Цей крок не дозволений із поточного стану домогосподарства',
    e_already_in_status: 'Домогосподарство вже має цей стан', e_nothing_to_undo: 'Немає події, яку можна скасувати',
    e_household_merged: "Це домогосподарство об'єднано з іншим — відкрийте те, що залишилось",
    e_client_id_reused: 'Цей ідентифікатор запису вже використано для іншого запису', e_order_revoked: 'Розпорядження вже скасовано',
    e_merge_not_allowed: "Ці домогосподарства не можна об'єднати", fe_invalid: 'неправильне значення',
    f_people: 'Осіб', f_cannot_walk: 'Не можуть ходити', f_needs_oxygen: 'Потребують кисню', f_needs_bed: 'Лежачі', f_needs_escort: 'Потребують супроводу',
    f_children: 'Діти', f_pets: 'Тварини', f_document: 'Документ', f_birth_year: 'Рік народження', f_client_id: 'Ідентифікатор запису',
    f_vehicle: 'Транспорт', f_trip: 'Рейс', f_reason: 'Причина', f_q: 'Запит', f_username: 'Користувач', f_password: 'Пароль', f_role: 'Роль', f_into: 'Об’єднати з',
    fe_cannot_walk: 'не більше, ніж осіб у домогосподарстві', fe_needs_oxygen: 'не більше, ніж осіб у домогосподарстві',
    fe_needs_bed: 'не більше, ніж осіб у домогосподарстві', fe_needs_escort: 'не більше, ніж осіб у домогосподарстві',
    fe_children: 'не більше, ніж осіб у домогосподарстві', fe_pets: 'не більше 100', fe_document: 'не більше 40 символів',
    fe_birth_year: 'рік від 1900 до поточного', fe_vehicle: 'не більше 64 символів', fe_trip: 'не більше 64 символів',
    fe_reason: 'вкажіть причину (до 200 символів; для скасування розпорядження до 500)', fe_q: 'не більше 200 символів',
    fe_username: '2–64 літери, цифри, «.», «_» або «-», не схоже на наявне імʼя', fe_password: 'щонайменше 10 символів, 4 різні, не імʼя користувача',
    fe_role: 'viewer, registrar або coordinator', fe_into: 'оберіть інше домогосподарство',
    progress_time: 'Хід евакуації в часі', tl_registered: 'зареєстровано', tl_boarded_or_later: 'в транспорті, в дорозі або прибули',
    tl_arrived: 'прибули до центрів', tl_table: 'Показати значення таблицею', tl_time: 'Час', tl_empty: 'Ще нікого не зареєстровано.',
    export_households: 'Вивантажити домогосподарства',
    od_title: 'Що зміниться', od_vs: 'Порівняно з чинним розпорядженням №', od_first: 'Це буде перше розпорядження: у зоні',
    od_identical: 'Проєкт збігається з чинним розпорядженням № {n} — видавати нічого', od_added: 'Додано', od_removed: 'Вилучено',
    od_zone_changed: 'Змінено зону', od_people: 'Осіб у зоні', od_change: 'зміна', od_unchanged: 'Перелік населених пунктів і зони без змін (змінилися інші дані).',
    od_confirm: 'Підтвердити й видати',
    legend: 'Легенда', people: 'осіб', open: 'Відкрити', progress: 'Хід евакуації', refresh: 'Оновити', sort_by: 'Сортувати за',
    tab_trips: 'Рейси', trips_title: 'Рейси і списки посадки', pickup_point: 'Пункт посадки', choose_point: 'Оберіть пункт посадки',
    trips_n: 'рейси', seats: 'місць', people_listed: 'осіб у списку', unseated: 'домогосподарств без місця в плані',
    nobody_listed: 'Нікого не зареєстровано на цей рейс', boarded_n: 'Сіли', arrived_n: 'Прибули',
    centre_arrivals: 'Прибуло до центру', to_train: 'До поїзда', board_code: 'Код домогосподарства (введіть або скануйте)',
    print_list: 'Друкувати список', code: 'код', f_code: 'Код', fe_code: 'це не код домогосподарства зі списку',
    no_transit_plan: 'Плану перевезень ще немає: запустіть evac transit (або evac up) і перезапустіть сервер.',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', username: 'User', password: 'Password', login: 'Log in',
    tab_order: 'Order', tab_register: 'Register', tab_settlement: 'Settlement', tab_centres: 'Centres', tab_plan: 'Plan',
    tab_audit: 'Audit', tab_users: 'Users', draft_order: 'Draft order', issue: 'Issue order', issued_orders: 'Issued orders',
    ordered_settlements: 'Settlements in the zone', settlement: 'Settlement', zone: 'Zone', km: 'km', population: 'Population',
    register_household: 'Register a household', head_name: 'Head of household', members: 'People', needs: 'Needs', phone: 'Phone',
    register: 'Register', choose_settlement: 'Choose a settlement on the map', households: 'Households', centres: 'Reception centres',
    plan: 'Evacuation plan', audit: 'Audit log', when: 'When', who: 'Who', action: 'Action', target: 'Target', users: 'Users',
    add_user: 'Add', mandatory: 'mandatory', advisory: 'advisory', outside: 'outside', beyond_line: 'beyond the line (not ordered by road)', registered: 'registered',
    departed: 'departed', arrived: 'arrived', refused: 'refused', remaining: 'remaining', returned: 'returned', print: 'print',
    order_no: 'Order No.', issued: 'Issued', saved: 'Saved, id', duplicate: 'Possible duplicate', depart: 'departed',
    arrive: 'arrived', refuse: 'refused', free: 'free', wrong_login: 'Wrong user or password', clearance: 'Last vehicle safe',
    optimum: 'Optimum', baseline: 'Without a plan', bottlenecks: 'Bottlenecks', transit_done: 'Transit: last person safe',
    cut_off_cars: 'NOT IN THIS PLAN — cut off by the line (every road out runs beyond it), vehicles', cut_off_people: 'NOT IN THIS PLAN — pickup points cut off by the line, people', cut_off_hint: 'they need another way out',
    no_plan: 'No plan computed yet (evac up / evac plan).', legend_ordered: 'in the zone', legend_evacuating: 'evacuating',
    legend_cleared: 'cleared', legend_refused: 'refusals', legend_outside: 'outside', vehicles: 'vehicles',
    disabled: 'disabled', disable: 'disable', enable: 'enable', reset_password: 'new password', end_sessions: 'end sessions',
    delete: 'delete', confirm_delete: 'Delete this account?', new_password: 'New password (shown once) for',
    tab_search: 'Search', tab_dashboard: 'Dashboard', dashboard: 'Evacuation dashboard', offline: 'Offline',
    no_connection: 'No connection to the server. Try again later.', type_to_find: 'Start typing a name',
    no_match: 'Nothing found', hromada: 'hromada', people_counts: 'People in the household',
    c_people: 'People in all', c_cannot_walk: 'Cannot walk', c_needs_oxygen: 'Need oxygen', c_needs_bed: 'Bedridden (need a bed)',
    c_needs_escort: 'Need an escort', c_children: 'Children', c_pets: 'Pets', less: 'fewer', more: 'more',
    need_wheelchair: 'wheelchair', need_stretcher: 'stretcher', need_medical: 'medical care', need_children: 'children',
    need_elderly: 'elderly people', need_pets: 'pets', need_no_car: 'no car', need_hearing: 'hearing impaired',
    need_oxygen: 'oxygen', need_bed: 'bed', need_escort: 'escort',
    queued: 'Saved on this device — waiting to send', outbox: 'Waiting to send', waiting: 'waiting to send',
    send_now: 'Send now', sent: 'Sent', discard: 'Discard', retry: 'Retry', confirm_discard: 'Remove this record from the device? It will not be sent.',
    outbox_badge: 'Waiting: ', failed: 'Error', registration: 'Registration', event_of: 'Event', already_saved: 'Already saved before (the retry made no copy)',
    find_household: 'Find a household', search_hint: 'Surname, name, phone or document', search_here: 'only in the chosen settlement',
    search: 'Search', found: 'Found', of_candidates: 'of candidates', search_unavailable: 'The server has no search yet: showing the settlement’s households containing the text.',
    choose_settlement_first: 'Choose a settlement first', checked_in: 'at the pickup point', boarded: 'on board', unreachable: 'cannot be reached',
    returned_status: 'returned', registered_status: 'registered', ev_checked_in: 'Check in', ev_boarded: 'Board', ev_arrived: 'Arrived at centre',
    ev_refused: 'Refused', ev_unreachable: 'Cannot reach', ev_undo: 'Undo last', ev_departed: 'Departed', ev_returned: 'Returned',
    vehicle: 'Vehicle', trip: 'Trip', reason: 'Reason', centre: 'Centre', confirm: 'Confirm', cancel: 'Cancel',
    confirm_refused: 'Record a refusal to evacuate?', confirm_unreachable: 'Record that they could not be reached?', confirm_undo: 'Undo the last event?',
    people_short: 'people', cannot_walk: 'cannot walk', ordered: 'ordered', share: 'evacuated, %', totals: 'Totals', occupancy: 'occupied',
    dash_fallback: 'The server has no dashboard yet (/api/dashboard): showing figures from the settlement list.',
    legend_share: 'evacuated', settlements: 'settlements', households_n: 'households',
    e_offline: 'No connection to the server', e_unauthorized: 'The session ended, log in again', e_forbidden: 'Not allowed for your role',
    e_not_found: 'Not found', e_invalid: 'Check the form’s fields', e_conflict: 'This step is not possible in the current status',
    e_precondition: 'Someone else changed this record — refresh and try again', e_rate: 'Too many requests, wait a little', e_unavailable: 'The server is temporarily unavailable',
    e_timeout: 'The server did not answer in time', e_too_large: 'The request is too large', e_server: 'Server error', e_identical_order: 'An identical order was already issued',
    e_unknown_event: 'The server does not support this event yet', e_duplicate: 'Possible duplicate', e_wrong_login: 'Wrong user or password',
    e_disabled: 'The account is disabled', e_client_id: 'Invalid record id',
    f_settlement_id: 'Settlement', f_head_name: 'Name', f_members: 'People', f_needs: 'Needs', f_phone: 'Phone', f_kind: 'Event', f_centre_id: 'Centre',
    fe_settlement_id: 'choose a settlement from the list', fe_head_name: 'enter the name (1-200 characters)', fe_members: '1 to 50 people',
    fe_people: '1 to 50 people', fe_phone: 'digits, spaces, + ( ) - only', fe_needs: 'unknown need', fe_kind: 'unknown event',
    fe_centre_id: 'choose a centre', fe_client_id: 'invalid record id',
    e_bad_request: 'Bad request', e_transition: "This step is not allowed from the household's current status",
    e_already_in_status: 'The household already has this status', e_nothing_to_undo: 'There is no event to undo',
    e_household_merged: 'This household was merged into another: open the one that stays',
    e_client_id_reused: 'This record id was already used for another record', e_order_revoked: 'The order is already revoked',
    e_merge_not_allowed: 'These households cannot be merged', fe_invalid: 'invalid value',
    f_people: 'People', f_cannot_walk: 'Cannot walk', f_needs_oxygen: 'Need oxygen', f_needs_bed: 'Bedridden', f_needs_escort: 'Need an escort',
    f_children: 'Children', f_pets: 'Pets', f_document: 'Document', f_birth_year: 'Year of birth', f_client_id: 'Record id',
    f_vehicle: 'Vehicle', f_trip: 'Trip', f_reason: 'Reason', f_q: 'Query', f_username: 'User', f_password: 'Password', f_role: 'Role', f_into: 'Merge into',
    fe_cannot_walk: 'at most the people of the household', fe_needs_oxygen: 'at most the people of the household',
    fe_needs_bed: 'at most the people of the household', fe_needs_escort: 'at most the people of the household',
    fe_children: 'at most the people of the household', fe_pets: 'at most 100', fe_document: 'at most 40 characters',
    fe_birth_year: 'a year from 1900 to this year', fe_vehicle: 'at most 64 characters', fe_trip: 'at most 64 characters',
    fe_reason: 'give the reason (up to 200 characters; 500 to revoke an order)', fe_q: 'at most 200 characters',
    fe_username: "2-64 letters, digits, '.', '_' or '-', not like an existing name", fe_password: 'at least 10 characters, 4 different, not the username',
    fe_role: 'viewer, registrar or coordinator', fe_into: 'choose another household',
    progress_time: 'Progress over time', tl_registered: 'registered', tl_boarded_or_later: 'boarded, on the way or arrived',
    tl_arrived: 'arrived at centres', tl_table: 'Show the figures as a table', tl_time: 'Time', tl_empty: 'Nobody registered yet.',
    export_households: 'Export households',
    od_title: 'What changes', od_vs: 'Compared with the order in force, No.', od_first: 'This will be the first order: in the zone',
    od_identical: 'The draft is the same as the order in force, No. {n}: nothing to issue', od_added: 'Added', od_removed: 'Removed',
    od_zone_changed: 'Zone changed', od_people: 'People in the zone', od_change: 'change', od_unchanged: 'Settlements and zones unchanged (other details changed).',
    od_confirm: 'Confirm and issue',
    legend: 'Key', people: 'people', open: 'Open', progress: 'Progress', refresh: 'Refresh', sort_by: 'Sort by',
    tab_trips: 'Trips', trips_title: 'Trips and pickup lists', pickup_point: 'Pickup point', choose_point: 'Choose a pickup point',
    trips_n: 'trips', seats: 'seats', people_listed: 'people listed', unseated: 'households without a seat in the plan',
    nobody_listed: 'Nobody registered for this trip yet', boarded_n: 'On board', arrived_n: 'Arrived',
    centre_arrivals: 'Arrived at the centre', to_train: 'To the train', board_code: 'Household code (type or scan)',
    print_list: 'Print the list', code: 'code', f_code: 'Code', fe_code: 'not a household code from the list',
    no_transit_plan: 'No transit plan yet: run evac transit (or evac up) and restart the server.',
  },
};

let lang = localStorage.getItem('evac-lang') || 'uk';

export const t = (k) => (T[lang] && T[lang][k]) || k;
export const currentLang = () => lang;

// A need's label ("no_car" -> "немає авто"); an unknown one as the server names it.
export const needLabel = (n) => (T[lang][`need_${n}`]) || String(n).replace(/_/g, ' ');

// The server's stable error codes, and what a status means when there is no code.
const CODES = {
  // Every code the server sends (api.rs ERROR_CODES; crates/server checks this list).
  invalid_input: 'e_invalid', bad_request: 'e_bad_request', unauthorized: 'e_unauthorized', forbidden: 'e_forbidden',
  not_found: 'e_not_found', conflict: 'e_conflict', precondition_failed: 'e_precondition', payload_too_large: 'e_too_large',
  too_many_requests: 'e_rate', timeout: 'e_timeout', unavailable: 'e_unavailable', internal: 'e_server',
  transition_not_allowed: 'e_transition', already_in_status: 'e_already_in_status', nothing_to_undo: 'e_nothing_to_undo',
  household_merged: 'e_household_merged', client_id_reused: 'e_client_id_reused', order_identical: 'e_identical_order',
  order_revoked: 'e_order_revoked', merge_not_allowed: 'e_merge_not_allowed',
  // This page's own, and older names.
  offline: 'e_offline', invalid: 'e_invalid', invalid_json: 'e_invalid', invalid_transition: 'e_transition',
  version_mismatch: 'e_precondition', stale: 'e_precondition', rate_limited: 'e_rate', overloaded: 'e_unavailable',
  too_large: 'e_too_large', body_too_large: 'e_too_large', identical_order: 'e_identical_order', duplicate_order: 'e_identical_order',
  wrong_login: 'e_wrong_login', account_disabled: 'e_disabled', invalid_client_id: 'e_client_id',
};
const STATUS = { 0: 'e_offline', 400: 'e_invalid', 401: 'e_unauthorized', 403: 'e_forbidden', 404: 'e_not_found', 408: 'e_timeout',
  409: 'e_conflict', 412: 'e_precondition', 413: 'e_too_large', 429: 'e_rate', 500: 'e_server', 503: 'e_unavailable' };

// An API error (see api.js) in the user's language: by its code, else by its status; the
// server's own words only when neither is known. Field errors name the field translated.
export function errorText(e) {
  const key = (e && e.code && CODES[e.code]) || (e && STATUS[e.status]);
  const text = key ? t(key) : ((e && e.message) || String(e));
  // An API error keeps them in its body; an outbox item's saved error beside its code.
  const fields = (e && ((e.body && e.body.fields) || e.fields)) || {};
  // Each field by its name and what it expects, in the user's language (the server's own
  // words for a field this page does not know, in English only; in Ukrainian a general word).
  const parts = Object.entries(fields).map(([k, v]) => `${T[lang][`f_${k}`] || T[lang][`c_${k}`] || k}: ${T[lang][`fe_${k}`] || (lang === 'en' ? v : T[lang].fe_invalid)}`);
  return parts.length ? `${text} (${parts.join('; ')})` : text;
}
export const fmt = (n) => Number(n || 0).toLocaleString(lang === 'uk' ? 'uk-UA' : 'en-GB');

export function toggleLang() {
  lang = lang === 'uk' ? 'en' : 'uk';
  localStorage.setItem('evac-lang', lang);
}

// Every element with data-i18n shows its string in the current language.
export function translate() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.getElementById('lang').textContent = lang === 'uk' ? 'EN' : 'UA';
}
