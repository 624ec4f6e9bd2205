#pragma once
// Design: the two model bases every concrete model derives from (hotspot's TreeModel and
// HashModel). index/parent/rowCount/data/headerData are written once here; a concrete model
// writes only cell() (what one row shows in one column for one role), headerText() and its
// NUM_COLUMNS. Tables keep their rows in a QVector; trees keep nodes in a flat QVector with
// parent links, and an index's internalId is its node number + 1 (0: the invisible root).

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QVector>

namespace restyscope::ui {

enum ModelRoles {
    SortRole = Qt::UserRole, // a typed value to sort on (numbers as numbers)
    IdRole,                  // the engine id of the row (request, coroutine), when it has one
};

template <typename Row, int Columns> class TableModelBase : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : Columns;
    }
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override
    {
        if (!checkIndex(index,
                        CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
            return {};
        }
        return cell(m_rows.at(index.row()), index.column(), role);
    }
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
            section < Columns) {
            return headerText(section);
        }
        return {};
    }
    const Row& rowAt(int row) const { return m_rows.at(row); }

protected:
    virtual QVariant cell(const Row& row, int column, int role) const = 0;
    virtual QString headerText(int column) const = 0;

    // A whole-table snapshot swaps in with one reset.
    void setRows(QVector<Row> rows)
    {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }
    // One insertion per batch.
    void appendRows(QVector<Row>&& rows)
    {
        if (rows.isEmpty()) {
            return;
        }
        const int first = static_cast<int>(m_rows.size());
        beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
        m_rows.append(std::move(rows));
        endInsertRows();
    }
    // One removal per batch, from the front (bounded models drop their oldest rows).
    void removeFirstRows(int count)
    {
        if (count <= 0) {
            return;
        }
        beginRemoveRows({}, 0, count - 1);
        m_rows.remove(0, count);
        endRemoveRows();
    }
    // One dataChanged for the range first..last.
    void rowsChanged(int first, int last)
    {
        if (first <= last) {
            Q_EMIT dataChanged(index(first, 0), index(last, Columns - 1));
        }
    }

    QVector<Row> m_rows;
};

template <typename Row, int Columns> class TreeModelBase : public QAbstractItemModel
{
public:
    using QAbstractItemModel::QAbstractItemModel;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override
    {
        if (!hasIndex(row, column, parent)) {
            return {};
        }
        const auto& list = childrenOf(parent);
        return createIndex(row, column, static_cast<quintptr>(list.at(row)) + 1);
    }
    QModelIndex parent(const QModelIndex& child) const override
    {
        if (!child.isValid() || child.internalId() == 0) {
            return {};
        }
        const int p = m_nodes.at(static_cast<int>(child.internalId()) - 1).parent;
        if (p < 0) {
            return {};
        }
        return createIndex(m_nodes.at(p).indexInParent, 0, static_cast<quintptr>(p) + 1);
    }
    int rowCount(const QModelIndex& parent = {}) const override
    {
        if (parent.isValid() && parent.column() != 0) {
            return 0;
        }
        return static_cast<int>(childrenOf(parent).size());
    }
    int columnCount(const QModelIndex& = {}) const override { return Columns; }
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
            return {};
        }
        return cell(nodeRow(index), index.column(), role);
    }
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 &&
            section < Columns) {
            return headerText(section);
        }
        return {};
    }
    const Row& nodeRow(const QModelIndex& index) const
    {
        return m_nodes.at(static_cast<int>(index.internalId()) - 1).row;
    }

protected:
    virtual QVariant cell(const Row& row, int column, int role) const = 0;
    virtual QString headerText(int column) const = 0;

    // Between beginResetModel() and endResetModel() only.
    void clearNodes()
    {
        m_nodes.clear();
        m_roots.clear();
    }
    // Adds a node under parentNode (-1: top level); returns its node number.
    int addNode(Row row, int parentNode = -1)
    {
        const int id = static_cast<int>(m_nodes.size());
        auto& siblings = parentNode < 0 ? m_roots : m_nodes[parentNode].children;
        m_nodes.append(Node{std::move(row), parentNode, static_cast<int>(siblings.size()), {}});
        (parentNode < 0 ? m_roots : m_nodes[parentNode].children).append(id);
        return id;
    }

private:
    struct Node
    {
        Row row;
        int parent = -1;
        int indexInParent = 0;
        QVector<int> children;
    };
    const QVector<int>& childrenOf(const QModelIndex& parent) const
    {
        return parent.isValid() ? m_nodes.at(static_cast<int>(parent.internalId()) - 1).children
                                : m_roots;
    }

    QVector<Node> m_nodes;
    QVector<int> m_roots;
};

} // namespace restyscope::ui
