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
    add_user: 'Додати', mandatory: 'обов’язкова', advisory: 'рекомендована', outside: 'поза зоною',
    registered: 'зареєстровано', departed: 'виїхали', arrived: 'прибули', refused: 'відмовились', remaining: 'залишаються',
    returned: 'повернулись', print: 'друк', order_no: 'Розпорядження №', issued: 'Видано', saved: 'Збережено, №',
    duplicate: 'Можливий дублікат', depart: 'виїхав', arrive: 'прибув', refuse: 'відмова', free: 'вільно',
    wrong_login: 'Невірний користувач або пароль', clearance: 'Остання машина в безпеці', optimum: 'Оптимум',
    baseline: 'Без плану', bottlenecks: 'Вузькі місця', transit_done: 'Транспорт: остання людина в безпеці',
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
    add_user: 'Add', mandatory: 'mandatory', advisory: 'advisory', outside: 'outside', registered: 'registered',
    departed: 'departed', arrived: 'arrived', refused: 'refused', remaining: 'remaining', returned: 'returned', print: 'print',
    order_no: 'Order No.', issued: 'Issued', saved: 'Saved, id', duplicate: 'Possible duplicate', depart: 'departed',
    arrive: 'arrived', refuse: 'refused', free: 'free', wrong_login: 'Wrong user or password', clearance: 'Last vehicle safe',
    optimum: 'Optimum', baseline: 'Without a plan', bottlenecks: 'Bottlenecks', transit_done: 'Transit: last person safe',
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
  offline: 'e_offline', unauthorized: 'e_unauthorized', forbidden: 'e_forbidden', not_found: 'e_not_found',
  invalid_input: 'e_invalid', invalid: 'e_invalid', invalid_json: 'e_invalid', conflict: 'e_conflict', invalid_transition: 'e_conflict',
  precondition_failed: 'e_precondition', version_mismatch: 'e_precondition', stale: 'e_precondition',
  rate_limited: 'e_rate', too_many_requests: 'e_rate', unavailable: 'e_unavailable', overloaded: 'e_unavailable',
  timeout: 'e_timeout', too_large: 'e_too_large', body_too_large: 'e_too_large', internal: 'e_server',
  identical_order: 'e_identical_order', duplicate_order: 'e_identical_order', wrong_login: 'e_wrong_login',
  account_disabled: 'e_disabled', invalid_client_id: 'e_client_id',
};
const STATUS = { 0: 'e_offline', 400: 'e_invalid', 401: 'e_unauthorized', 403: 'e_forbidden', 404: 'e_not_found', 408: 'e_timeout',
  409: 'e_conflict', 412: 'e_precondition', 413: 'e_too_large', 429: 'e_rate', 500: 'e_server', 503: 'e_unavailable' };

// An API error (see api.js) in the user's language: by its code, else by its status; the
// server's own words only when neither is known. Field errors name the field translated.
export function errorText(e) {
  const key = (e && e.code && CODES[e.code]) || (e && STATUS[e.status]);
  const text = key ? t(key) : ((e && e.message) || String(e));
  const fields = (e && e.body && e.body.fields) || {};
  // Each field by its name and what it expects, in the user's language (the server's own
  // words for a field this page does not know).
  const parts = Object.entries(fields).map(([k, v]) => `${T[lang][`f_${k}`] || T[lang][`c_${k}`] || k}: ${T[lang][`fe_${k}`] || v}`);
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
