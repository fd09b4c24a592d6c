//! A thin layer over the raw Node-API calls this addon makes: each returns
//! a `Result` whose error means "a JavaScript exception is pending", so
//! that `?` carries it back to the callback, which returns to Node.

use napi_sys::*;
use std::ffi::c_void;
use std::ptr;

/// A JavaScript exception is pending in the environment.
pub struct Thrown;

pub type JsResult<T> = Result<T, Thrown>;

#[inline]
pub fn check(env: napi_env, status: napi_status) -> JsResult<()> {
    if status == Status::napi_ok {
        return Ok(());
    }
    failed(env, status)
}

#[cold]
fn failed(env: napi_env, status: napi_status) -> JsResult<()> {
    let mut pending = false;
    // SAFETY: env is the environment of the running callback.
    unsafe { napi_is_exception_pending(env, &mut pending) };
    if !pending {
        throw_error(env, "Error", &format!("Node-API call failed with status {status}"));
    }
    Err(Thrown)
}

/// Throws a new error whose `ternKind` names the WebAssembly error class
/// (or `TypeError`/`RangeError`) the JavaScript half turns it into.
pub fn throw_error(env: napi_env, kind: &str, message: &str) {
    // SAFETY: env is the environment of the running callback; the values
    // created are used before it returns.
    unsafe {
        let mut msg = ptr::null_mut();
        napi_create_string_utf8(env, message.as_ptr().cast(), message.len() as isize, &mut msg);
        let mut err = ptr::null_mut();
        napi_create_error(env, ptr::null_mut(), msg, &mut err);
        let mut k = ptr::null_mut();
        napi_create_string_utf8(env, kind.as_ptr().cast(), kind.len() as isize, &mut k);
        napi_set_named_property(env, err, c"ternKind".as_ptr(), k);
        napi_throw(env, err);
    }
}

pub fn fail<T>(env: napi_env, kind: &str, message: &str) -> JsResult<T> {
    throw_error(env, kind, message);
    Err(Thrown)
}

/// The arguments of the running callback (missing ones are `undefined`).
pub fn args<const N: usize>(env: napi_env, info: napi_callback_info) -> JsResult<[napi_value; N]> {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    // SAFETY: argv has room for argc values.
    check(env, unsafe {
        napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    })?;
    let undef = undefined(env)?;
    for a in argv.iter_mut().skip(argc) {
        *a = undef;
    }
    Ok(argv)
}

pub fn undefined(env: napi_env) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_get_undefined(env, &mut v) })?;
    Ok(v)
}

pub fn null(env: napi_env) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_get_null(env, &mut v) })?;
    Ok(v)
}

pub fn type_of(env: napi_env, v: napi_value) -> JsResult<napi_valuetype> {
    let mut t = 0;
    check(env, unsafe { napi_typeof(env, v, &mut t) })?;
    Ok(t)
}

pub fn is_nullish(env: napi_env, v: napi_value) -> JsResult<bool> {
    let t = type_of(env, v)?;
    Ok(t == ValueType::napi_null || t == ValueType::napi_undefined)
}

pub fn f64_of(env: napi_env, v: napi_value) -> JsResult<f64> {
    let mut x = 0.0;
    check(env, unsafe { napi_get_value_double(env, v, &mut x) })?;
    Ok(x)
}

pub fn u32_of(env: napi_env, v: napi_value) -> JsResult<u32> {
    let x = f64_of(env, v)?;
    // (`x as u32` saturates, and NaN becomes 0: neither comes back equal.)
    if x as u32 as f64 != x {
        return fail(env, "RangeError", &format!("{x} is not a valid handle or index"));
    }
    Ok(x as u32)
}

pub fn i64_of_bigint(env: napi_env, v: napi_value) -> JsResult<i64> {
    let mut x = 0i64;
    let mut lossless = false;
    check(env, unsafe {
        napi_get_value_bigint_int64(env, v, &mut x, &mut lossless)
    })?;
    // Not lossless: the JavaScript half has already wrapped it (BigInt.asIntN).
    Ok(x)
}

pub fn bool_of(env: napi_env, v: napi_value) -> JsResult<bool> {
    let mut b = false;
    check(env, unsafe { napi_get_value_bool(env, v, &mut b) })?;
    Ok(b)
}

pub fn string_of(env: napi_env, v: napi_value) -> JsResult<String> {
    let mut len = 0usize;
    check(env, unsafe {
        napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len)
    })?;
    let mut buf = vec![0u8; len + 1];
    check(env, unsafe {
        napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    })?;
    buf.truncate(len);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A string's UTF-16 code units (lone surrogates kept).
pub fn utf16_of(env: napi_env, v: napi_value) -> JsResult<Vec<u16>> {
    let mut len = 0usize;
    check(env, unsafe {
        napi_get_value_string_utf16(env, v, ptr::null_mut(), 0, &mut len)
    })?;
    let mut buf = vec![0u16; len + 1];
    check(env, unsafe {
        napi_get_value_string_utf16(env, v, buf.as_mut_ptr(), buf.len(), &mut len)
    })?;
    buf.truncate(len);
    Ok(buf)
}

/// The string of these UTF-16 code units.
pub fn utf16(env: napi_env, units: &[u16]) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe {
        napi_create_string_utf16(env, units.as_ptr(), units.len() as isize, &mut v)
    })?;
    Ok(v)
}

pub fn number(env: napi_env, x: f64) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_create_double(env, x, &mut v) })?;
    Ok(v)
}

pub fn bigint(env: napi_env, x: i64) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_create_bigint_int64(env, x, &mut v) })?;
    Ok(v)
}

pub fn boolean(env: napi_env, b: bool) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_get_boolean(env, b, &mut v) })?;
    Ok(v)
}

pub fn string(env: napi_env, s: &str) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe {
        napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v)
    })?;
    Ok(v)
}

pub fn array(env: napi_env, items: &[napi_value]) -> JsResult<napi_value> {
    let mut a = ptr::null_mut();
    check(env, unsafe { napi_create_array_with_length(env, items.len(), &mut a) })?;
    for (i, &x) in items.iter().enumerate() {
        check(env, unsafe { napi_set_element(env, a, i as u32, x) })?;
    }
    Ok(a)
}

pub fn array_items(env: napi_env, a: napi_value) -> JsResult<Vec<napi_value>> {
    let mut is = false;
    check(env, unsafe { napi_is_array(env, a, &mut is) })?;
    if !is {
        return fail(env, "TypeError", "expected an array");
    }
    let mut n = 0u32;
    check(env, unsafe { napi_get_array_length(env, a, &mut n) })?;
    (0..n)
        .map(|i| {
            let mut v = ptr::null_mut();
            check(env, unsafe { napi_get_element(env, a, i, &mut v) })?;
            Ok(v)
        })
        .collect()
}

/// A copy of the bytes of a typed array, DataView or ArrayBuffer.
pub fn bytes_of(env: napi_env, v: napi_value) -> JsResult<Vec<u8>> {
    unsafe {
        let mut yes = false;
        check(env, napi_is_typedarray(env, v, &mut yes))?;
        if yes {
            let (mut ty, mut len, mut data, mut ab, mut off) = (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
            check(
                env,
                napi_get_typedarray_info(env, v, &mut ty, &mut len, &mut data, &mut ab, &mut off),
            )?;
            let elem = match ty {
                TypedarrayType::int16_array | TypedarrayType::uint16_array => 2,
                TypedarrayType::int32_array | TypedarrayType::uint32_array | TypedarrayType::float32_array => 4,
                TypedarrayType::float64_array | TypedarrayType::bigint64_array | TypedarrayType::biguint64_array => 8,
                _ => 1,
            };
            return Ok(raw_bytes(data, len * elem));
        }
        check(env, napi_is_dataview(env, v, &mut yes))?;
        if yes {
            let (mut len, mut data, mut ab, mut off) = (0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
            check(
                env,
                napi_get_dataview_info(env, v, &mut len, &mut data, &mut ab, &mut off),
            )?;
            return Ok(raw_bytes(data, len));
        }
        check(env, napi_is_arraybuffer(env, v, &mut yes))?;
        if yes {
            let (mut data, mut len) = (ptr::null_mut(), 0usize);
            check(env, napi_get_arraybuffer_info(env, v, &mut data, &mut len))?;
            return Ok(raw_bytes(data, len));
        }
    }
    fail(
        env,
        "TypeError",
        "first argument must be an ArrayBuffer or typed array object",
    )
}

fn raw_bytes(data: *mut c_void, len: usize) -> Vec<u8> {
    if data.is_null() || len == 0 {
        return Vec::new();
    }
    // SAFETY: Node-API described `len` bytes at `data`, alive for the call.
    unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }.to_vec()
}

/// An ArrayBuffer over `len` bytes at `data` that Node does not own.
pub fn external_arraybuffer(env: napi_env, data: *mut u8, len: usize) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    if len == 0 {
        check(env, unsafe { napi_create_arraybuffer(env, 0, ptr::null_mut(), &mut v) })?;
    } else {
        check(env, unsafe {
            napi_create_external_arraybuffer(env, data.cast(), len, None, ptr::null_mut(), &mut v)
        })?;
    }
    Ok(v)
}

pub fn detach(env: napi_env, ab: napi_value) -> JsResult<()> {
    check(env, unsafe { napi_detach_arraybuffer(env, ab) })
}

pub fn set(env: napi_env, o: napi_value, name: &std::ffi::CStr, v: napi_value) -> JsResult<()> {
    check(env, unsafe { napi_set_named_property(env, o, name.as_ptr(), v) })
}

pub fn object(env: napi_env) -> JsResult<napi_value> {
    let mut o = ptr::null_mut();
    check(env, unsafe { napi_create_object(env, &mut o) })?;
    Ok(o)
}

pub fn get(env: napi_env, o: napi_value, name: &std::ffi::CStr) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_get_named_property(env, o, name.as_ptr(), &mut v) })?;
    Ok(v)
}

pub type Callback = unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value;

pub fn function(env: napi_env, name: &str, f: Callback) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe {
        napi_create_function(
            env,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(f),
            ptr::null_mut(),
            &mut v,
        )
    })?;
    Ok(v)
}

/// A strong reference keeping a JavaScript value alive.
pub fn reference(env: napi_env, v: napi_value) -> JsResult<napi_ref> {
    let mut r = ptr::null_mut();
    check(env, unsafe { napi_create_reference(env, v, 1, &mut r) })?;
    Ok(r)
}

pub fn deref(env: napi_env, r: napi_ref) -> JsResult<napi_value> {
    let mut v = ptr::null_mut();
    check(env, unsafe { napi_get_reference_value(env, r, &mut v) })?;
    Ok(v)
}
