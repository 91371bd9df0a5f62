import { expect } from 'chai';
import {
  compileExpression,
  compileScript,
  evaluateCondition,
  ExpressionError,
  isSafeScript,
  type Scope,
} from '../../src/engine/expression';

function run(source: string, scope: Scope = {}): unknown {
  return compileExpression(source).evaluate(scope);
}

function holds(source: string, scope: Scope = {}): boolean {
  return evaluateCondition(compileExpression(source), scope);
}

function errorOf(action: () => unknown): ExpressionError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ExpressionError);
    return error as ExpressionError;
  }
  return expect.fail('expected an ExpressionError');
}

describe('expression language', () => {
  describe('literals', () => {
    it('reads integers, decimals, exponents and Java long suffixes', () => {
      expect(run('42')).to.equal(42);
      expect(run('3.25')).to.equal(3.25);
      expect(run('2e3')).to.equal(2000);
      expect(run('1.5E-2')).to.equal(0.015);
      expect(run('7L')).to.equal(7);
      expect(run('7l + 1')).to.equal(8);
    });

    it('reads strings in either quote with escapes', () => {
      expect(run(`'it\\'s'`)).to.equal("it's");
      expect(run('"say \\"hi\\""')).to.equal('say "hi"');
      expect(run('"a\\nb\\tc\\\\d"')).to.equal('a\nb\tc\\d');
      expect(run('"\\u00e9t\\u00E9"')).to.equal('été');
    });

    it('reads true, false, null and arrays', () => {
      expect(run('true')).to.equal(true);
      expect(run('false')).to.equal(false);
      expect(run('null')).to.equal(null);
      expect(run('[1, 2, "a"]')).to.deep.equal([1, 2, 'a']);
      expect(run('[]')).to.deep.equal([]);
      expect(run('[[1], [x]]', { x: 2 })).to.deep.equal([[1], [2]]);
    });
  });

  describe('precedence', () => {
    it('binds * / % tighter than + -, and both left to right', () => {
      expect(run('1 + 2 * 3')).to.equal(7);
      expect(run('(1 + 2) * 3')).to.equal(9);
      expect(run('10 - 4 - 3')).to.equal(3);
      expect(run('100 / 10 / 5')).to.equal(2);
      expect(run('2 * 7 % 4')).to.equal(2);
      expect(run('1 + 10 % 4')).to.equal(3);
    });

    it('binds unary operators tighter than binary ones', () => {
      expect(run('-2 * 3')).to.equal(-6);
      expect(run('2 - -3')).to.equal(5);
      expect(run('!false && false')).to.equal(false);
      expect(run('not true == false')).to.equal(true);
    });

    it('orders arithmetic < relational < equality < and < or < ternary', () => {
      expect(run('1 + 2 < 4')).to.equal(true);
      expect(run('1 < 2 == 3 < 4')).to.equal(true);
      expect(run('true || false && false')).to.equal(true);
      expect(run('(true || false) && false')).to.equal(false);
      expect(run('false or true and true')).to.equal(true);
      expect(run('true ? 1 : 0 + 5')).to.equal(1);
      expect(run('1 > 2 ? "a" : "b" + "c"')).to.equal('bc');
    });

    it('nests ternaries to the right', () => {
      expect(run('false ? 1 : true ? 2 : 3')).to.equal(2);
      expect(run('x > 10 ? "big" : x > 5 ? "mid" : "small"', { x: 7 })).to.equal('mid');
    });
  });

  describe('operators', () => {
    it('compares for equality with ==, !=, === and !==', () => {
      expect(run('1 == 1')).to.equal(true);
      expect(run('1 != 1')).to.equal(false);
      expect(run('"a" === "a"')).to.equal(true);
      expect(run('"a" !== "b"')).to.equal(true);
      expect(run('[1] == [1]')).to.equal(false);
    });

    it('orders numbers and strings', () => {
      expect(run('1 < 2')).to.equal(true);
      expect(run('2 <= 2')).to.equal(true);
      expect(run('3 > 4')).to.equal(false);
      expect(run('4 >= 5')).to.equal(false);
      expect(run('"apple" < "banana"')).to.equal(true);
      expect(run('"2024-01-31" < "2024-02-01"')).to.equal(true);
    });

    it('does arithmetic and concatenation', () => {
      expect(run('7 - 2')).to.equal(5);
      expect(run('6 * 7')).to.equal(42);
      expect(run('7 / 2')).to.equal(3.5);
      expect(run('7 % 3')).to.equal(1);
      expect(run('+x', { x: 4 })).to.equal(4);
      expect(run('"n=" + 5')).to.equal('n=5');
      expect(run('1 + "a" + true')).to.equal('1atrue');
      expect(run('"v:" + null')).to.equal('v:null');
      expect(run('1 + 2 + "x"')).to.equal('3x');
    });

    it('treats "and", "or" and "not" as the symbolic operators', () => {
      expect(run('a and b', { a: true, b: false })).to.equal(false);
      expect(run('a or b', { a: false, b: true })).to.equal(true);
      expect(run('not a', { a: false })).to.equal(true);
    });

    it('short-circuits && and || and returns booleans', () => {
      // The right side would fail (division by zero) if it were evaluated.
      expect(run('false && 1 / 0 == 1')).to.equal(false);
      expect(run('true || 1 / 0 == 1')).to.equal(true);
      expect(run('1 && "true"')).to.equal(true);
      expect(run('0 || null')).to.equal(false);
      expect(run('a && b && c', { a: true, b: true, c: 1 })).to.equal(true);
    });

    it('reads properties, indexes and lengths', () => {
      const scope = { order: { customer: { name: 'Ann' }, lines: [{ sku: 'A1' }, { sku: 'B2' }] }, s: 'hello' };
      expect(run('order.customer.name', scope)).to.equal('Ann');
      expect(run('order["customer"]["name"]', scope)).to.equal('Ann');
      expect(run('order.lines[1].sku', scope)).to.equal('B2');
      expect(run('order.lines.length', scope)).to.equal(2);
      expect(run('s.length', scope)).to.equal(5);
      expect(run('s[1]', scope)).to.equal('e');
      expect(run('[10, 20, 30][i + 1]', { i: 1 })).to.equal(30);
      expect(run('m[1]', { m: { '1': 'one' } })).to.equal('one');
    });
  });

  describe('XPDL conditions', () => {
    it('order_number == 2', () => {
      expect(holds('order_number == 2', { order_number: 2 })).to.equal(true);
      expect(holds('order_number == 2', { order_number: 3 })).to.equal(false);
    });

    it('in_stock == false, also when the data arrived as text', () => {
      expect(holds('in_stock == false', { in_stock: false })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: true })).to.equal(false);
      expect(holds('in_stock == false', { in_stock: 'false' })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: 'FALSE' })).to.equal(true);
      expect(holds('in_stock == false', { in_stock: 'no' })).to.equal(false);
    });

    it('a bare boolean variable', () => {
      expect(holds('approvedByPublisher', { approvedByPublisher: true })).to.equal(true);
      expect(holds('approvedByPublisher', { approvedByPublisher: false })).to.equal(false);
      expect(holds('approvedByPublisher', { approvedByPublisher: 'True' })).to.equal(true);
      expect(holds('approvedByPublisher', {})).to.equal(false);
    });

    it('amount > 1000 && region != "north"', () => {
      const condition = 'amount > 1000 && region != "north"';
      expect(holds(condition, { amount: 1500, region: 'south' })).to.equal(true);
      expect(holds(condition, { amount: 1500, region: 'north' })).to.equal(false);
      expect(holds(condition, { amount: 999, region: 'south' })).to.equal(false);
    });
  });

  describe('null handling', () => {
    it('gives null for unset variables, missing properties and reads through null', () => {
      expect(run('missing')).to.equal(null);
      expect(run('missing == null')).to.equal(true);
      expect(run('a.b', { a: {} })).to.equal(null);
      expect(run('a.b.c.d', { a: { b: null } })).to.equal(null);
      expect(run('missing.x[0].y')).to.equal(null);
      expect(run('null.x')).to.equal(null);
      expect(run('list[5]', { list: [1] })).to.equal(null);
      expect(run('list[-1]', { list: [1] })).to.equal(null);
      expect(run('u', { u: undefined })).to.equal(null);
    });

    it('treats null as false in conditions', () => {
      expect(holds('missing')).to.equal(false);
      expect(holds('!missing')).to.equal(true);
    });

    it('refuses to order or add null, pointing at coalesce', () => {
      const error = errorOf(() => run('amount > 1000'));
      expect(error.message).to.match(/^Cannot compare null with number using ">" at position 7/);
      expect(error.message).to.contain('coalesce');
      expect(run('coalesce(amount, 0) > 1000')).to.equal(false);
      expect(errorOf(() => run('amount * 2')).message).to.contain('Cannot apply "*" to null and number');
    });
  });

  describe('equality relaxations', () => {
    it('null equals undefined', () => {
      expect(run('a == b', { a: null, b: undefined })).to.equal(true);
      expect(run('a == null', { a: undefined })).to.equal(true);
      expect(run('a != null', { a: 0 })).to.equal(true);
    });

    it('compares numbers numerically', () => {
      expect(run('1 == 1.0')).to.equal(true);
      expect(run('1L == 1')).to.equal(true);
      expect(run('0.5 == 5e-1')).to.equal(true);
    });

    it('compares booleans with "true"/"false" strings by value, both ways round', () => {
      expect(run('flag == true', { flag: 'true' })).to.equal(true);
      expect(run('"TRUE" == flag', { flag: true })).to.equal(true);
      expect(run('flag != false', { flag: 'false' })).to.equal(false);
      expect(run('flag == true', { flag: 'yes' })).to.equal(false);
    });

    it('stays strict otherwise', () => {
      expect(run('n == 2', { n: '2' })).to.equal(false);
      expect(run('0 == false')).to.equal(false);
      expect(run('"" == null')).to.equal(false);
    });

    it('compares dates by their instant', () => {
      const scope = { a: new Date('2024-01-01T00:00:00Z'), b: new Date('2024-01-01T00:00:00Z'), c: new Date('2024-06-01T00:00:00Z') };
      expect(run('a == b', scope)).to.equal(true);
      expect(run('a < c', scope)).to.equal(true);
      expect(run('c - a', scope)).to.equal(Date.UTC(2024, 5, 1) - Date.UTC(2024, 0, 1));
    });
  });

  describe('evaluateCondition truthiness', () => {
    it('maps numbers and strings to booleans', () => {
      expect(holds('x', { x: 2 })).to.equal(true);
      expect(holds('x', { x: 0 })).to.equal(false);
      expect(holds('x', { x: 'TRUE' })).to.equal(true);
      expect(holds('x', { x: 'False' })).to.equal(false);
      expect(holds('x', { x: '' })).to.equal(false);
    });

    it('refuses other strings with a message naming the condition and the value', () => {
      const error = errorOf(() => holds('status', { status: 'abc' }));
      expect(error.message).to.equal('Condition "status" gave the string "abc", expected a boolean or "true"/"false"');
      expect(error.expression).to.equal('status');
    });

    it('refuses arrays and objects', () => {
      expect(errorOf(() => holds('x', { x: [1] })).message).to.contain('gave an array, expected a boolean');
      expect(errorOf(() => holds('x', { x: { a: 1 } })).message).to.contain('gave an object, expected a boolean');
    });

    it('applies the same rules to operands of !, && and ? :', () => {
      const error = errorOf(() => run('ok && name', { ok: true, name: 'Bob' }));
      expect(error.message).to.match(/^Expected a boolean but got the string "Bob" at position 6/);
      expect(error.position).to.equal(6);
      expect(errorOf(() => run('!name', { name: 'Bob' })).position).to.equal(1);
      expect(errorOf(() => run('list ? 1 : 2', { list: [] })).message).to.contain('got an array');
    });
  });

  describe('syntax errors', () => {
    it('reports an unexpected token with its position', () => {
      const error = errorOf(() => compileExpression('a == (b))'));
      expect(error.message).to.match(/^Unexpected "\)" at position 8 in "a == \(b\)\)"/);
      expect(error.position).to.equal(8);
      expect(error.expression).to.equal('a == (b))');
      expect(error.name).to.equal('ExpressionError');
      expect(error).to.be.instanceOf(Error);
    });

    it('reports a missing closing parenthesis at the end of input', () => {
      const error = errorOf(() => compileExpression('a == (b'));
      expect(error.message).to.equal('Unexpected end of input at position 7 in "a == (b": expected ")"');
    });

    it('reports two values with no operator between them', () => {
      const error = errorOf(() => compileExpression('a b'));
      expect(error.message).to.contain('Unexpected "b" at position 2');
      expect(error.message).to.contain('expected an operator');
    });

    it('suggests == for a single =', () => {
      const error = errorOf(() => compileExpression('x = 1'));
      expect(error.position).to.equal(2);
      expect(error.message).to.contain('use "==" to compare');
    });

    it('suggests && and || for & and |', () => {
      expect(errorOf(() => compileExpression('a & b')).message).to.contain('Unexpected "&" at position 2');
      expect(errorOf(() => compileExpression('a | b')).message).to.contain('use "||" or "or"');
    });

    it('reports empty expressions, stray characters and bad numbers', () => {
      expect(errorOf(() => compileExpression('   ')).message).to.match(/^Empty expression/);
      expect(errorOf(() => compileExpression('a # b')).message).to.match(/^Unexpected character "#" at position 2/);
      expect(errorOf(() => compileExpression('2abc')).message).to.match(/^Invalid number "2abc" at position 0/);
      expect(errorOf(() => compileExpression('1.5L')).message).to.match(/^Invalid number "1.5L"/);
      expect(errorOf(() => compileExpression('1e999')).message).to.contain('too large');
    });

    it('reports unterminated strings and comments and unknown escapes', () => {
      const string = errorOf(() => compileExpression('x == "abc'));
      expect(string.message).to.match(/^Unterminated string at position 5/);
      expect(string.position).to.equal(5);
      expect(errorOf(() => compileExpression('x /* note')).message).to.match(/^Unterminated comment at position 2/);
      const escape = errorOf(() => compileExpression('"a\\qb"'));
      expect(escape.message).to.match(/^Invalid escape "\\q" at position 2/);
      expect(errorOf(() => compileExpression('"\\u12"')).message).to.contain('Invalid escape "\\u12"');
    });

    it('refuses unknown functions at compile time, listing the allowed ones', () => {
      const error = errorOf(() => compileExpression('exec(1)'));
      expect(error.message).to.match(/^Unknown function "exec" at position 0 in "exec\(1\)": allowed functions are len, contains, /);
      expect(error.message).to.contain('coalesce');
    });

    it('checks the number of arguments at compile time', () => {
      expect(errorOf(() => compileExpression('len(a, b)')).message).to.match(/^len\(\) takes 1 argument but was given 2 at position 0/);
      expect(errorOf(() => compileExpression('now(1)')).message).to.contain('now() takes 0 arguments');
      expect(errorOf(() => compileExpression('max()')).message).to.contain('max() takes at least 1 argument but was given 0');
    });

    it('refuses method calls', () => {
      const error = errorOf(() => compileExpression('name.toUpperCase()'));
      expect(error.message).to.match(/^Unexpected "\(" at position 16/);
      expect(error.message).to.contain('there are no methods');
      expect(errorOf(() => compileExpression('len(x)(1)')).position).to.equal(6);
    });

    it('comments are allowed in expressions', () => {
      expect(run('1 /* one */ + // plus\n 2')).to.equal(3);
    });
  });

  describe('evaluation errors', () => {
    it('refuses to order a number against a string', () => {
      const error = errorOf(() => run('x < "a"', { x: 5 }));
      expect(error.message).to.match(/^Cannot compare number with string using "<" at position 2/);
      expect(error.message).to.contain('number(...)');
      expect(errorOf(() => run('true > false')).message).to.contain('Cannot compare boolean with boolean');
    });

    it('refuses arithmetic on non-numbers', () => {
      expect(errorOf(() => run('"a" - 1')).message).to.match(/^Cannot apply "-" to string and number at position 4/);
      expect(errorOf(() => run('true + 1')).message).to.contain('Cannot apply "+" to boolean and number');
      expect(errorOf(() => run('-s', { s: 'x' })).message).to.contain('Cannot apply unary "-" to the string "x"');
      expect(errorOf(() => run('"a" + [1]')).message).to.contain('Cannot turn an array into text');
    });

    it('refuses division and modulo by zero', () => {
      const division = errorOf(() => run('a / b', { a: 1, b: 0 }));
      expect(division.message).to.equal('Division by zero at position 2 in "a / b"');
      expect(division.position).to.equal(2);
      expect(errorOf(() => run('5 % 0')).message).to.match(/^Modulo by zero at position 2/);
    });

    it('refuses non-finite results', () => {
      expect(errorOf(() => run('1e308 * 10')).message).to.contain('Arithmetic gave Infinity');
    });

    it('refuses properties of numbers, booleans, dates and class instances', () => {
      expect(errorOf(() => run('n.x', { n: 1 })).message).to.match(/^Cannot read property "x" of the number 1 at position 2/);
      expect(errorOf(() => run('d.time', { d: new Date() })).message).to.contain('of a date');
      expect(errorOf(() => run('m.size', { m: new Map() })).message).to.contain('of an object');
      expect(errorOf(() => run('list.first', { list: [] })).message).to.contain('Arrays have no property "first"');
      expect(errorOf(() => run('s.trim', { s: 'x' })).message).to.contain('Strings have no property "trim"');
    });

    it('refuses function values and getters', () => {
      expect(errorOf(() => run('f', { f: () => 1 })).message).to.match(/^"f" is a function at position 0/);
      expect(errorOf(() => run('o.f', { o: { f: () => 1 } })).message).to.contain('"f" is a function');
      const withGetter = Object.defineProperty({}, 'secret', { get: () => 'leaked', enumerable: true });
      expect(errorOf(() => run('o.secret', { o: withGetter })).message).to.contain('computed by a getter');
    });

    it('shows line and column for multi-line sources', () => {
      const error = errorOf(() => compileScript('x = 1\ny = 2 +* 3'));
      expect(error.message).to.match(/^Unexpected "\*" at position 13 \(line 2, column 8\)/);
    });
  });

  describe('access to JavaScript internals', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      it(`refuses "${name}" at compile time when it is written out`, () => {
        for (const source of [name, `a.${name}`, `a["${name}"]`, `a.b.${name}.c`]) {
          const error = errorOf(() => compileExpression(source));
          expect(error.message).to.contain(`Access to "${name}" is not allowed`);
        }
        expect(errorOf(() => compileScript(`${name} = 1`)).message).to.contain(`Access to "${name}" is not allowed`);
      });

      it(`refuses "${name}" computed at run time`, () => {
        const error = errorOf(() => run('a[k]', { a: {}, k: name }));
        expect(error.message).to.match(new RegExp(`^Access to "${name}" is not allowed at position 1`));
      });
    }

    it('does not see inherited members', () => {
      expect(run('a.toString', { a: {} })).to.equal(null);
      expect(run('a.hasOwnProperty', { a: {} })).to.equal(null);
      expect(run('toString')).to.equal(null);
      expect(run('valueOf', Object.create({ valueOf: 1 }) as Scope)).to.equal(null);
      expect(errorOf(() => run('a["constr" + "uctor"]', { a: {} })).message).to.contain('Access to "constructor" is not allowed');
    });

    it('treats process, globalThis and this as unset variables', () => {
      expect(run('process')).to.equal(null);
      expect(run('process.env.PATH')).to.equal(null);
      expect(run('globalThis')).to.equal(null);
      expect(run('globalThis.process.mainModule')).to.equal(null);
      expect(run('this')).to.equal(null);
      expect(run('this.x')).to.equal(null);
      expect(run('window == null')).to.equal(true);
    });

    it('treats require, Function and eval as unknown functions', () => {
      for (const source of ['require("fs")', 'Function("return process")', 'eval("1")', 'setTimeout(x, 1)']) {
        const error = errorOf(() => compileExpression(source));
        expect(error.message).to.match(/^Unknown function "\w+" at position 0/);
      }
      expect(errorOf(() => compileExpression('this.constructor("x")')).message).to.contain('Access to "constructor" is not allowed');
      expect(errorOf(() => compileExpression('x.constructor.constructor("return process")()')).position).to.equal(2);
    });

    it('cannot create objects or define functions', () => {
      expect(errorOf(() => compileExpression('new Date()')).message).to.match(/^Unsupported keyword "new" at position 0.*cannot create objects/);
      expect(errorOf(() => compileExpression('function() { return 1 }')).message).to.contain('Unsupported keyword "function"');
    });

    it('still allows those words as property names of data', () => {
      expect(run('o.new + o.class', { o: { new: 1, class: 2 } })).to.equal(3);
    });
  });

  describe('functions', () => {
    it('len', () => {
      expect(run('len("abc")')).to.equal(3);
      expect(run('len(list)', { list: [1, 2] })).to.equal(2);
      expect(run('len(missing)')).to.equal(0);
      expect(errorOf(() => run('len(5)')).message).to.match(/^len\(\) needs a string or an array, not the number 5 at position 0/);
    });

    it('contains, startsWith, endsWith', () => {
      expect(run('contains("hello", "ell")')).to.equal(true);
      expect(run('contains(tags, "b")', { tags: ['a', 'b'] })).to.equal(true);
      expect(run('contains(tags, "c")', { tags: ['a', 'b'] })).to.equal(false);
      expect(run('contains([1, 2], 2.0)')).to.equal(true);
      expect(run('contains(missing, "x")')).to.equal(false);
      expect(run('startsWith("invoice-7", "invoice")')).to.equal(true);
      expect(run('endsWith("invoice-7", "-8")')).to.equal(false);
      expect(run('startsWith(missing, "x")')).to.equal(false);
      expect(errorOf(() => run('contains("abc", 1)')).message).to.contain('contains() needs a string, not the number 1');
    });

    it('lower, upper, trim', () => {
      expect(run('lower("AbC")')).to.equal('abc');
      expect(run('upper("AbC")')).to.equal('ABC');
      expect(run('trim("  x ")')).to.equal('x');
      expect(run('lower(missing)')).to.equal(null);
      expect(errorOf(() => run('upper(1)')).message).to.contain('upper() needs a string');
    });

    it('abs, round, floor, ceil, min, max', () => {
      expect(run('abs(-3)')).to.equal(3);
      expect(run('round(2.5)')).to.equal(3);
      expect(run('floor(2.7)')).to.equal(2);
      expect(run('ceil(2.1)')).to.equal(3);
      expect(run('min(3, 1, 2)')).to.equal(1);
      expect(run('max(3, 1, 2)')).to.equal(3);
      expect(run('max(list)', { list: [4, 9, 2] })).to.equal(9);
      expect(errorOf(() => run('min(list)', { list: [] })).message).to.contain('min() of an empty array');
      expect(errorOf(() => run('abs(missing)')).message).to.contain('abs() needs a number, not null');
      expect(errorOf(() => run('max(1, "2")')).message).to.contain('max() needs a number, not the string "2"');
    });

    it('number, string, boolean', () => {
      expect(run('number("42.5")')).to.equal(42.5);
      expect(run('number(" 7 ") + 1')).to.equal(8);
      expect(run('number(true)')).to.equal(1);
      expect(errorOf(() => run('number("abc")')).message).to.match(/^number\(\) cannot convert the string "abc"/);
      expect(errorOf(() => run('number("")')).message).to.contain('cannot convert');
      expect(run('string(12) + string(true) + string(null)')).to.equal('12truenull');
      expect(run('string(d)', { d: new Date(Date.UTC(2024, 0, 2)) })).to.equal('2024-01-02T00:00:00.000Z');
      expect(run('boolean("TRUE")')).to.equal(true);
      expect(run('boolean(0)')).to.equal(false);
      expect(errorOf(() => run('boolean("maybe")')).message).to.contain('boolean() cannot convert the string "maybe"');
    });

    it('isNull and coalesce', () => {
      expect(run('isNull(missing)')).to.equal(true);
      expect(run('isNull(0)')).to.equal(false);
      expect(run('coalesce(a, b, "default")', { b: 'second' })).to.equal('second');
      expect(run('coalesce(a, b)')).to.equal(null);
      expect(run('coalesce(zero, 5)', { zero: 0 })).to.equal(0);
    });

    it('now returns epoch milliseconds', () => {
      const before = Date.now();
      const value = run('now()');
      expect(value).to.be.a('number');
      expect(value).to.be.within(before, Date.now());
    });

    it('date parses ISO 8601 text to epoch milliseconds', () => {
      expect(run('date("2024-01-01")')).to.equal(Date.UTC(2024, 0, 1));
      expect(run('date("2024-01-01T10:30:00Z")')).to.equal(Date.UTC(2024, 0, 1, 10, 30));
      expect(run('date("2024-01-01T10:30:00+02:00")')).to.equal(Date.UTC(2024, 0, 1, 8, 30));
      expect(run('date(due) < now()', { due: '2000-01-01' })).to.equal(true);
      expect(run('date(missing)')).to.equal(null);
      const error = errorOf(() => run('date("next tuesday")'));
      expect(error.message).to.match(/^date\(\) cannot parse the string "next tuesday" at position 0/);
      expect(error.message).to.contain('ISO 8601');
    });

    it('refuses strings longer than the limit from functions', () => {
      // "ß" upper-cases to "SS", so upper() can double a string's length.
      const error = errorOf(() => run('upper(s)', { s: 'ß'.repeat(600_000) }));
      expect(error.message).to.contain('String result would be 1200000 characters long');
    });
  });

  describe('identifiers()', () => {
    it('lists top-level variables once, in order, without functions or property names', () => {
      const expr = compileExpression('len(order.lines) > limit && order.total > limit + bonus[key]');
      expect(expr.identifiers()).to.deep.equal(['order', 'limit', 'bonus', 'key']);
    });

    it('returns a fresh array each time', () => {
      const expr = compileExpression('a + b');
      expr.identifiers().push('c');
      expect(expr.identifiers()).to.deep.equal(['a', 'b']);
      expect(expr.source).to.equal('a + b');
    });
  });

  describe('scripts', () => {
    it('runs var2assign=varValue;', () => {
      const script = compileScript('var2assign=varValue;');
      expect(script.run({ varValue: 'v' })).to.deep.equal({ var2assign: 'v' });
      expect(script.assigned()).to.deep.equal(['var2assign']);
      expect(script.identifiers()).to.deep.equal(['varValue']);
      expect(isSafeScript('var2assign=varValue;')).to.equal(true);
    });

    it('returns only the assigned variables and never mutates the scope', () => {
      const scope = Object.freeze({ a: 1, b: 2, nested: Object.freeze({ n: 1 }) });
      const result = compileScript('a = a + 10; c = b * 2; d = a').run(scope);
      expect(result).to.deep.equal({ a: 11, c: 4, d: 11 });
      expect(scope).to.deep.equal({ a: 1, b: 2, nested: { n: 1 } });
    });

    it('does not mutate an unfrozen scope either', () => {
      const scope: Scope = { total: 5 };
      compileScript('total += 1; extra = 1').run(scope);
      expect(scope).to.deep.equal({ total: 5 });
    });

    it('separates statements by ; or newlines and accepts var/let and comments', () => {
      const script = compileScript(`
        // a JavaScript tool-agent script
        var x = 1
        let y = x + 1; /* block
        comment */ z = y * 10;;
      `);
      expect(script.run({})).to.deep.equal({ x: 1, y: 2, z: 20 });
    });

    it('continues an expression over a line break', () => {
      expect(compileScript('x = 1 +\n 2').run({})).to.deep.equal({ x: 3 });
    });

    it('supports += and -=', () => {
      expect(compileScript('n += 2; n -= 5; s += "!"').run({ n: 10, s: 'hi' })).to.deep.equal({ n: 7, s: 'hi!' });
      expect(errorOf(() => compileScript('n += 1').run({})).message).to.match(/^Cannot apply "\+" to null and number at position 0/);
    });

    it('runs if / else if / else', () => {
      const script = compileScript(`
        if (amount > 1000) {
          level = "high"; review = true
        } else if (amount > 100) {
          level = "medium"
        } else {
          level = "low"
        }
      `);
      expect(script.run({ amount: 5000 })).to.deep.equal({ level: 'high', review: true });
      expect(script.run({ amount: 500 })).to.deep.equal({ level: 'medium' });
      expect(script.run({ amount: 5 })).to.deep.equal({ level: 'low' });
      expect(script.assigned()).to.deep.equal(['level', 'review']);
      expect(script.identifiers()).to.deep.equal(['amount']);
    });

    it('accepts single-statement branches, with or without ";" before else', () => {
      const script = compileScript('if (a) x = 1; else x = 2; y = 3');
      expect(script.run({ a: true })).to.deep.equal({ x: 1, y: 3 });
      expect(script.run({ a: false })).to.deep.equal({ x: 2, y: 3 });
      expect(compileScript('if (a) if (b) x = 1; else x = 2').run({ a: true, b: false })).to.deep.equal({ x: 2 });
    });

    it('lets an if block be followed directly by another statement', () => {
      expect(compileScript('if (true) { x = 1 } y = 2').run({})).to.deep.equal({ x: 1, y: 2 });
    });

    it('lists compound-assignment targets among the names read', () => {
      expect(compileScript('total += price; note = "x"').identifiers()).to.deep.equal(['total', 'price']);
    });

    it('accepts an empty script', () => {
      expect(compileScript('  // nothing\n').run({ a: 1 })).to.deep.equal({});
    });

    it('requires a separator between statements on one line', () => {
      const error = errorOf(() => compileScript('x = 1 y = 2'));
      expect(error.message).to.match(/^Unexpected "y" at position 6/);
      expect(error.message).to.contain('separate statements with ";" or a new line');
    });

    it('requires parentheses around an if condition and a closing brace', () => {
      expect(errorOf(() => compileScript('if a { x = 1 }')).message).to.contain('write the condition in parentheses');
      expect(errorOf(() => compileScript('if (a) { x = 1')).message).to.match(/^Unexpected end of input at position 14.*expected "}"/);
    });

    it('refuses expressions used as statements', () => {
      expect(errorOf(() => compileScript('x == 1')).message).to.contain('expected "=", "+=" or "-=" after "x"');
      expect(errorOf(() => compileScript('len(x)')).message).to.contain('only assignments and if statements are allowed');
      expect(errorOf(() => compileScript('"text"')).message).to.contain('expected a statement');
    });

    it('refuses assignment to properties', () => {
      const error = errorOf(() => compileScript('order.total = 1'));
      expect(error.message).to.match(/^Unexpected "\." at position 5/);
      expect(error.message).to.contain('only plain variable names can be assigned');
    });

    it('refuses loops', () => {
      expect(errorOf(() => compileScript('while (true) { x = 1 }')).message).to.match(/^Unsupported keyword "while" at position 0.*no loops/);
      expect(errorOf(() => compileScript('for (i = 0; i < 3; i++) {}')).message).to.contain('Unsupported keyword "for"');
      expect(isSafeScript('do { x = 1 } while (true)')).to.equal(false);
    });

    it('refuses the BeanShell example', () => {
      const source = 'long liter = 60000+new java.util.Random().nextLong() % 3000; java.lang.System.err.println("liters: " + liter);';
      expect(isSafeScript(source)).to.equal(false);
      const error = errorOf(() => compileScript(source));
      expect(error.position).to.equal(5);
      expect(error.message).to.contain('typed declarations such as "long liter" are not supported');
    });

    it('refuses "new", method calls and unknown functions in scripts', () => {
      expect(errorOf(() => compileScript('liter = 60000 + new java.util.Random().nextLong() % 3000')).message).to.match(
        /^Unsupported keyword "new" at position 16/,
      );
      expect(isSafeScript('java.lang.System.err.println("x")')).to.equal(false);
      expect(isSafeScript('x = Math.random()')).to.equal(false);
      expect(isSafeScript('x = exec("rm -rf /")')).to.equal(false);
      expect(isSafeScript('x = y.toString()')).to.equal(false);
    });

    it('refuses a script whose value has no truth value in an if', () => {
      expect(errorOf(() => compileScript('if (name) { x = 1 }').run({ name: 'Bob' })).message).to.contain('Expected a boolean but got the string "Bob"');
    });
  });

  describe('limits', () => {
    it('accepts 10,000 characters of source and refuses 10,001', () => {
      const fits = `x == "${'a'.repeat(10_000 - 7)}"`;
      expect(fits.length).to.equal(10_000);
      expect(() => compileExpression(fits)).not.to.throw();
      const error = errorOf(() => compileExpression(`${fits} `));
      expect(error.message).to.equal('Source is 10001 characters long; the limit is 10000');
      expect(isSafeScript(`x = 1${' '.repeat(10_000)}`)).to.equal(false);
    });

    it('accepts 64 levels of nesting and refuses 65', () => {
      expect(run(`${'('.repeat(64)}1${')'.repeat(64)}`)).to.equal(1);
      const error = errorOf(() => compileExpression(`${'('.repeat(65)}1${')'.repeat(65)}`));
      expect(error.message).to.match(/^Nesting deeper than 64 levels at position 64/);
      expect(error.position).to.equal(64);
      expect(errorOf(() => compileExpression(`${'!'.repeat(65)}x`)).message).to.contain('Nesting deeper than 64 levels');
      expect(errorOf(() => compileExpression(`${'['.repeat(65)}1${']'.repeat(65)}`)).message).to.contain('Nesting deeper');
      expect(errorOf(() => compileExpression(`${'len('.repeat(65)}x${')'.repeat(65)}`)).message).to.contain('Nesting deeper');
    });

    it('counts nested if blocks', () => {
      const nested = (depth: number): string => `${'if (a) { '.repeat(depth)}x = 1${' }'.repeat(depth)}`;
      expect(compileScript(nested(63)).run({ a: true })).to.deep.equal({ x: 1 });
      expect(errorOf(() => compileScript(nested(65))).message).to.contain('Nesting deeper than 64 levels');
    });

    it('does not count long flat chains as nesting', () => {
      const terms = Array.from({ length: 2000 }, (_, i) => `x${i % 10}`);
      expect(run(terms.join(' + '), Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, 1])))).to.equal(2000);
      expect(run(Array(1500).fill('t').join(' && '), { t: true })).to.equal(true);
      expect(run(`o${'.a'.repeat(2000)}`, { o: {} })).to.equal(null);
    });

    it('refuses to build strings longer than 1,000,000 characters', () => {
      const script = compileScript(`s = "${'x'.repeat(1000)}"\n${'s = s + s\n'.repeat(10)}`);
      const error = errorOf(() => script.run({}));
      expect(error.message).to.match(/^String result would be 1024000 characters long at position \d+ \(line 11, column 7\)/);
      expect(error.message).to.contain('the limit is 1000000');
      expect(run('a + b', { a: 'x'.repeat(500_000), b: 'y'.repeat(500_000) })).to.have.length(1_000_000);
    });
  });

  describe('isSafeScript', () => {
    it('is true exactly when compileScript succeeds', () => {
      for (const source of ['x = 1', 'x = (', 'long x = 1', 'if (a) { b = 1 } else { b = 2 }', 'x = exec(1)', '']) {
        let compiles = true;
        try {
          compileScript(source);
        } catch {
          compiles = false;
        }
        expect(isSafeScript(source), source).to.equal(compiles);
      }
      expect(isSafeScript('x = (')).to.equal(false);
      expect(isSafeScript('if (a) { b = 1 } else { b = 2 }')).to.equal(true);
    });

    it('returns false for a source that is not a string', () => {
      expect(isSafeScript(undefined as unknown as string)).to.equal(false);
    });
  });
});
